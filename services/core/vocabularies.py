"""Every code list of the domain, with its French and English labels.

Codes are what the API stores and accepts; labels are for people. Each list is a StrEnum so
that schemas validate against it and the OpenAPI document lists the allowed codes.
"""

from enum import StrEnum


class StructureType(StrEnum):
    local_authority = "local_authority"
    association = "association"
    company = "company"
    support_provider = "support_provider"
    institution = "institution"
    academic = "academic"


class Trade(StrEnum):
    territorial_dialogue = "territorial_dialogue"
    collective_experimentation = "collective_experimentation"
    actor_support = "actor_support"
    shared_space = "shared_space"


class ActorType(StrEnum):
    public = "public"
    company = "company"
    association = "association"
    academic = "academic"
    citizen = "citizen"


class MemberRole(StrEnum):
    founder = "founder"
    member = "member"
    funder = "funder"
    trusted_third_party = "trusted_third_party"
    beneficiary_representative = "beneficiary_representative"


class Domain(StrEnum):
    economic_development = "economic_development"
    employment = "employment"
    mobility = "mobility"
    education = "education"
    environment = "environment"
    health = "health"
    social_cohesion = "social_cohesion"
    culture = "culture"
    other = "other"


class Stage(StrEnum):
    emergence = "emergence"
    prototype = "prototype"
    extension = "extension"
    spreading = "spreading"


class AllianceStatus(StrEnum):
    active = "active"
    paused = "paused"
    ended = "ended"


class TerritoryLevel(StrEnum):
    country = "country"
    region = "region"
    department = "department"
    epci = "epci"
    commune = "commune"
    district = "district"
    other = "other"


class TerritoryType(StrEnum):
    rural = "rural"
    medium_town = "medium_town"
    priority_district = "priority_district"
    metropolis = "metropolis"


class Axis(StrEnum):
    performance = "performance"
    innovation = "innovation"
    trust = "trust"


class Prism(StrEnum):
    ecosystem = "ecosystem"
    organisation = "organisation"
    individual = "individual"


class Dimension(StrEnum):
    political = "political"
    economic = "economic"
    social = "social"
    environmental = "environmental"
    societal = "societal"
    personal_fulfilment = "personal_fulfilment"


class MeasureType(StrEnum):
    quantity = "quantity"
    percentage = "percentage"
    ordinal = "ordinal"
    binary = "binary"


class Direction(StrEnum):
    increase = "increase"
    decrease = "decrease"


class IndicatorStatus(StrEnum):
    active = "active"
    archived = "archived"


class ObservationStatus(StrEnum):
    provisional = "provisional"
    final = "final"
    estimated = "estimated"


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class ApiKeyScope(StrEnum):
    read = "read"
    write = "write"
    staff = "staff"


SDG_LABELS: dict[int, tuple[str, str]] = {
    1: ("Pas de pauvreté", "No poverty"),
    2: ("Faim « zéro »", "Zero hunger"),
    3: ("Bonne santé et bien-être", "Good health and well-being"),
    4: ("Éducation de qualité", "Quality education"),
    5: ("Égalité entre les sexes", "Gender equality"),
    6: ("Eau propre et assainissement", "Clean water and sanitation"),
    7: ("Énergie propre et d'un coût abordable", "Affordable and clean energy"),
    8: ("Travail décent et croissance économique", "Decent work and economic growth"),
    9: ("Industrie, innovation et infrastructure", "Industry, innovation and infrastructure"),
    10: ("Inégalités réduites", "Reduced inequalities"),
    11: ("Villes et communautés durables", "Sustainable cities and communities"),
    12: ("Consommation et production responsables", "Responsible consumption and production"),
    13: ("Mesures relatives à la lutte contre les changements climatiques", "Climate action"),
    14: ("Vie aquatique", "Life below water"),
    15: ("Vie terrestre", "Life on land"),
    16: ("Paix, justice et institutions efficaces", "Peace, justice and strong institutions"),
    17: ("Partenariats pour la réalisation des objectifs", "Partnerships for the goals"),
}

LABELS: dict[type[StrEnum], dict[str, tuple[str, str]]] = {
    StructureType: {
        "local_authority": ("Collectivité territoriale", "Local authority"),
        "association": ("Association", "Association"),
        "company": ("Entreprise", "Company"),
        "support_provider": ("Accompagnateur", "Support provider"),
        "institution": ("Institution", "Institution"),
        "academic": ("Acteur académique", "Academic"),
    },
    Trade: {
        "territorial_dialogue": ("Animation du dialogue territorial", "Territorial dialogue"),
        "collective_experimentation": ("Expérimentations collectives", "Collective experimentation"),
        "actor_support": ("Accompagnement des acteurs", "Support to actors"),
        "shared_space": ("Gestion et animation d'un lieu", "Running a shared space"),
    },
    ActorType: {
        "public": ("Acteur public", "Public body"),
        "company": ("Entreprise", "Company"),
        "association": ("Association ou fondation", "Association or foundation"),
        "academic": ("Acteur académique", "Academic"),
        "citizen": ("Citoyens", "Citizens"),
    },
    MemberRole: {
        "founder": ("Fondateur", "Founder"),
        "member": ("Membre", "Member"),
        "funder": ("Financeur", "Funder"),
        "trusted_third_party": ("Tiers de confiance", "Trusted third party"),
        "beneficiary_representative": ("Représentant des bénéficiaires", "Beneficiary representative"),
    },
    Domain: {
        "economic_development": ("Développement économique", "Economic development"),
        "employment": ("Emploi", "Employment"),
        "mobility": ("Mobilité", "Mobility"),
        "education": ("Éducation", "Education"),
        "environment": ("Environnement", "Environment"),
        "health": ("Santé", "Health"),
        "social_cohesion": ("Cohésion sociale", "Social cohesion"),
        "culture": ("Culture", "Culture"),
        "other": ("Autre", "Other"),
    },
    Stage: {
        "emergence": ("Émergence", "Emergence"),
        "prototype": ("Prototype", "Prototype"),
        "extension": ("Extension (multi-prototype)", "Extension (multi-prototype)"),
        "spreading": ("Essaimage", "Spreading"),
    },
    AllianceStatus: {
        "active": ("Active", "Active"),
        "paused": ("En pause", "Paused"),
        "ended": ("Terminée", "Ended"),
    },
    TerritoryLevel: {
        "country": ("Pays", "Country"),
        "region": ("Région", "Region"),
        "department": ("Département", "Department"),
        "epci": ("Intercommunalité (EPCI)", "Intercommunality (EPCI)"),
        "commune": ("Commune", "Municipality"),
        "district": ("Quartier", "District"),
        "other": ("Autre territoire", "Other territory"),
    },
    TerritoryType: {
        "rural": ("Rural", "Rural"),
        "medium_town": ("Ville moyenne", "Medium-sized town"),
        "priority_district": ("Quartier prioritaire de la politique de la ville", "Priority district"),
        "metropolis": ("Métropole", "Metropolis"),
    },
    Axis: {
        "performance": ("Performance des organisations", "Performance of organisations"),
        "innovation": ("Innovation sociétale et territoriale", "Societal and territorial innovation"),
        "trust": ("Confiance", "Trust"),
    },
    Prism: {
        "ecosystem": ("Influence sur l'écosystème", "Influence on the ecosystem"),
        "organisation": ("Responsabilité des organisations", "Responsibility of organisations"),
        "individual": ("Impacts sur les individus", "Impacts on individuals"),
    },
    Dimension: {
        "political": ("Politique", "Political"),
        "economic": ("Économique", "Economic"),
        "social": ("Sociale", "Social"),
        "environmental": ("Environnementale", "Environmental"),
        "societal": ("Sociétale", "Societal"),
        "personal_fulfilment": ("Épanouissement personnel", "Personal fulfilment"),
    },
    MeasureType: {
        "quantity": ("Quantité", "Quantity"),
        "percentage": ("Pourcentage", "Percentage"),
        "ordinal": ("Échelle ordinale", "Ordinal scale"),
        "binary": ("Oui / non", "Yes / no"),
    },
    Direction: {
        "increase": ("Plus c'est haut, mieux c'est", "Higher is better"),
        "decrease": ("Plus c'est bas, mieux c'est", "Lower is better"),
    },
    IndicatorStatus: {
        "active": ("Suivi", "Active"),
        "archived": ("Archivé", "Archived"),
    },
    ObservationStatus: {
        "provisional": ("Provisoire", "Provisional"),
        "final": ("Définitive", "Final"),
        "estimated": ("Estimée", "Estimated"),
    },
    JobStatus: {
        "queued": ("En attente", "Queued"),
        "running": ("En cours", "Running"),
        "succeeded": ("Terminé", "Succeeded"),
        "failed": ("Échoué", "Failed"),
        "cancelled": ("Annulé", "Cancelled"),
    },
    ApiKeyScope: {
        "read": ("Lecture", "Read"),
        "write": ("Écriture (un catalyseur)", "Write (one catalyst)"),
        "staff": ("Équipe de l'observatoire", "Observatory staff"),
    },
}

# Name of each list in /v1/vocabularies.
VOCABULARY_NAMES: dict[type[StrEnum], str] = {
    StructureType: "structure_types",
    Trade: "trades",
    ActorType: "actor_types",
    MemberRole: "member_roles",
    Domain: "domains",
    Stage: "stages",
    AllianceStatus: "alliance_statuses",
    TerritoryLevel: "territory_levels",
    TerritoryType: "territory_types",
    Axis: "axes",
    Prism: "prisms",
    Dimension: "dimensions",
    MeasureType: "measure_types",
    Direction: "directions",
    IndicatorStatus: "indicator_statuses",
    ObservationStatus: "observation_statuses",
    JobStatus: "job_statuses",
    ApiKeyScope: "api_key_scopes",
}


def all_vocabularies() -> dict[str, list[dict]]:
    lists: dict[str, list[dict]] = {}
    for enum, name in VOCABULARY_NAMES.items():
        labels = LABELS[enum]
        lists[name] = [
            {"code": member.value, "fr": labels[member.value][0], "en": labels[member.value][1]}
            for member in enum
        ]
    lists["sdgs"] = [{"code": number, "fr": fr, "en": en} for number, (fr, en) in sorted(SDG_LABELS.items())]
    return lists
