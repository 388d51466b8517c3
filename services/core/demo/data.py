"""The demo dataset, as plain data.

Catalysts, organisations and alliances are keyed by a slug: the seed turns each slug into a
deterministic id, and alliances and members refer to catalysts and organisations by slug.
Each entry holds exactly the fields of the matching Create schema (catalyst and alliance
references aside), so that it is validated like an API request. Indicators are listed per
alliance and identified by their code within it; each carries its observations.

The people, places and partnerships are fictional but modelled on the sources of the
domain. Territory codes of communes and EPCIs are INSEE codes and SIREN numbers with a
prefix; the SIREN numbers of organisations are made up (with a valid check digit).
"""


def siren(first_eight: str) -> str:
    """A SIREN number: the 8 given digits and the Luhn check digit that completes them."""
    total = 0
    # Counting from the right, the check digit is position 0: the given digits start at
    # position 1, and every odd position is doubled.
    for position, char in enumerate(reversed(first_eight), start=1):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return first_eight + str((10 - total % 10) % 10)


# Parents come before their children. France, its regions and departments are reference
# territories (loaded by `observatoire migrate`).
TERRITORIES: list[dict] = [
    {"code": "MA", "name": "Maroc", "level": "country"},
    {
        "code": "MA-REH",
        "name": "Rehamna",
        "level": "other",
        "parent_code": "MA",
        "territory_type": "rural",
    },
    {
        "code": "FR-EPCI-200054781",
        "name": "Métropole du Grand Paris",
        "level": "epci",
        "parent_code": "FR-IDF",
        "territory_type": "metropolis",
    },
    {
        "code": "FR-COM-94028",
        "name": "Créteil",
        "level": "commune",
        "parent_code": "FR-94",
        "territory_type": "metropolis",
    },
    {
        "code": "FR-QPV-94028-MONT-MESLY",
        "name": "Quartier du Mont-Mesly",
        "level": "district",
        "parent_code": "FR-COM-94028",
        "territory_type": "priority_district",
    },
    {
        "code": "FR-COM-59512",
        "name": "Roubaix",
        "level": "commune",
        "parent_code": "FR-59",
        "territory_type": "metropolis",
    },
    {
        "code": "FR-QPV-59512-ALMA",
        "name": "Quartier de l'Alma",
        "level": "district",
        "parent_code": "FR-COM-59512",
        "territory_type": "priority_district",
    },
    {
        "code": "FR-EPCI-243500139",
        "name": "Rennes Métropole",
        "level": "epci",
        "parent_code": "FR-35",
        "territory_type": "metropolis",
    },
    {
        "code": "FR-COM-18279",
        "name": "Vierzon",
        "level": "commune",
        "parent_code": "FR-18",
        "territory_type": "medium_town",
    },
    {
        "code": "FR-COM-23008",
        "name": "Aubusson",
        "level": "commune",
        "parent_code": "FR-23",
        "territory_type": "rural",
    },
]

CATALYSTS: dict[str, dict] = {
    "ateliers-du-val": {
        "name": "Les Ateliers du Val",
        "structure_type": "association",
        "trades": ["territorial_dialogue", "collective_experimentation"],
        "territory_code": "FR-COM-94028",
        "latitude": 48.7904,
        "longitude": 2.4556,
        "website": "https://ateliers-du-val.example",
        "description": "Association créée par des habitants, des enseignants et des chefs d'entreprise "
        "du Val-de-Marne pour faire travailler ensemble écoles, entreprises et collectivités "
        "autour de l'orientation et de l'emploi des jeunes des quartiers.",
        "founded_year": 2011,
    },
    "vierzon-cooperations": {
        "name": "Vierzon Coopérations",
        "structure_type": "local_authority",
        "trades": ["territorial_dialogue", "shared_space"],
        "territory_code": "FR-COM-18279",
        "latitude": 47.2220,
        "longitude": 2.0690,
        "website": "https://vierzon-cooperations.example",
        "description": "Mission de la Ville de Vierzon chargée du dialogue entre acteurs publics, "
        "entreprises et associations ; elle anime la Maison des coopérations installée dans "
        "une ancienne usine du centre-ville.",
        "founded_year": 2017,
    },
    "fabrique-de-l-alma": {
        "name": "La Fabrique de l'Alma",
        "structure_type": "company",
        "trades": ["shared_space", "collective_experimentation"],
        "territory_code": "FR-QPV-59512-ALMA",
        "latitude": 50.6942,
        "longitude": 3.1746,
        "website": "https://fabrique-alma.example",
        "description": "Société coopérative d'intérêt collectif qui gère un tiers-lieu dans une "
        "ancienne filature du quartier de l'Alma : ateliers partagés, cantine solidaire et "
        "expérimentations menées avec les habitants.",
        "founded_year": 2015,
    },
    "passerelles-bretagne": {
        "name": "Passerelles Bretagne",
        "structure_type": "support_provider",
        "trades": ["actor_support"],
        "territory_code": "FR-EPCI-243500139",
        "latitude": 48.1147,
        "longitude": -1.6794,
        "website": "https://passerelles-bretagne.example",
        "description": "Cabinet coopératif qui accompagne les collectivités, les entreprises et les "
        "associations bretonnes dans la construction de partenariats, et forme les "
        "catalyseurs de la région.",
        "founded_year": 2009,
    },
    "cooperer-en-creuse": {
        "name": "Coopérer en Creuse",
        "structure_type": "association",
        "trades": ["territorial_dialogue", "actor_support"],
        "territory_code": "FR-COM-23008",
        "latitude": 45.9560,
        "longitude": 2.1680,
        "website": "https://cooperer-en-creuse.example",
        "description": "Association qui réunit élus, habitants, artisans et associations du sud de la "
        "Creuse pour répondre ensemble aux besoins d'un territoire rural : mobilité, "
        "services, emploi.",
        "founded_year": 2014,
    },
    "lien-territoires": {
        "name": "Lien Territoires",
        "structure_type": "support_provider",
        "trades": ["actor_support", "territorial_dialogue"],
        "territory_code": "FR-69",
        "latitude": 45.7640,
        "longitude": 4.8357,
        "website": "https://lien-territoires.example",
        "description": "Catalyseur de catalyseurs : anime un réseau national de structures qui font "
        "coopérer les acteurs de leur territoire, outille leurs équipes et capitalise leurs "
        "pratiques.",
        "founded_year": 2006,
    },
    "chaire-cooperations-uca": {
        "name": "Chaire Coopérations territoriales – Université Clermont Auvergne",
        "structure_type": "academic",
        "trades": ["collective_experimentation"],
        "territory_code": "FR-63",
        "latitude": 45.7772,
        "longitude": 3.0870,
        "website": "https://chaire-cooperations.example",
        "description": "Chaire de recherche-action qui conçoit et évalue, avec les acteurs de terrain, "
        "des expérimentations de coopération territoriale en France et au Maroc.",
        "founded_year": 2016,
    },
    "institut-mediterraneen-alliances": {
        "name": "Institut méditerranéen des alliances",
        "structure_type": "institution",
        "trades": ["territorial_dialogue", "actor_support"],
        "territory_code": "FR-13",
        "latitude": 43.2965,
        "longitude": 5.3698,
        "website": "https://institut-alliances-med.example",
        "description": "Groupement d'intérêt public qui réunit l'État, les collectivités et les "
        "acteurs économiques de la métropole marseillaise pour monter des alliances sur la "
        "santé, l'éducation et l'emploi.",
        "founded_year": 2005,
    },
    "kaz-alliance-reunion": {
        "name": "Kaz Alliance Réunion",
        "structure_type": "association",
        "trades": ["territorial_dialogue", "collective_experimentation"],
        "territory_code": "FR-974",
        "latitude": -21.3393,
        "longitude": 55.4781,
        "website": "https://kaz-alliance.example",
        "description": "Association saint-pierroise qui fait dialoguer habitants, soignants, "
        "agriculteurs et collectivités du Sud de La Réunion autour de projets communs.",
        "founded_year": 2013,
    },
    "rhamna-territoire-partage": {
        "name": "Rhamna Territoire Partagé",
        "structure_type": "association",
        "trades": ["territorial_dialogue", "actor_support"],
        "territory_code": "MA-REH",
        "latitude": 32.2359,
        "longitude": -7.9538,
        "website": "https://rhamna-territoire.example",
        "description": "Association de Ben Guerir qui accompagne les coopératives, les communes "
        "rurales et les associations de la province de Rhamna dans des projets conduits "
        "ensemble.",
        "founded_year": 2018,
    },
    "le-quartier-general": {
        "name": "Le Quartier Général",
        "structure_type": "company",
        "trades": ["shared_space", "actor_support"],
        "territory_code": "FR-31",
        "latitude": 43.6047,
        "longitude": 1.4442,
        "website": "https://quartier-general.example",
        "description": "Entreprise de l'économie sociale et solidaire qui anime un tiers-lieu "
        "toulousain et accompagne des collectifs citoyens dans la reprise de lieux vacants.",
        "founded_year": 2018,
    },
    "cote-d-or-innovation-territoriale": {
        "name": "Mission innovation territoriale de la Côte-d'Or",
        "structure_type": "local_authority",
        "trades": ["territorial_dialogue"],
        "territory_code": "FR-21",
        "latitude": 47.3220,
        "longitude": 5.0415,
        "website": "https://innovation-cotedor.example",
        "description": "Service du Département qui réunit communes, entreprises et associations "
        "pour répondre ensemble aux besoins des territoires ruraux de la Côte-d'Or.",
        "founded_year": 2019,
    },
    "alliances-grand-est": {
        "name": "Institut Alliances Grand Est",
        "structure_type": "institution",
        "trades": ["territorial_dialogue", "collective_experimentation"],
        "territory_code": "FR-67",
        "latitude": 48.5734,
        "longitude": 7.7521,
        "website": "https://alliances-grand-est.example",
        "description": "Établissement public régional qui soutient les partenariats entre "
        "entreprises, associations et collectivités et en mesure les effets.",
        "founded_year": 2010,
    },
    "territoires-fertiles": {
        "name": "Territoires Fertiles",
        "structure_type": "association",
        "trades": ["collective_experimentation", "shared_space"],
        "territory_code": "FR-44",
        "latitude": 47.2184,
        "longitude": -1.5536,
        "website": "https://territoires-fertiles.example",
        "description": "Association nantaise qui anime un lieu dédié au réemploi et conduit des "
        "expérimentations collectives sur la réduction des déchets dans l'estuaire de la "
        "Loire.",
        "founded_year": 2016,
    },
}

ORGANISATIONS: dict[str, dict] = {
    # Val-de-Marne: the school-business programme.
    "lycee-mont-mesly": {
        "name": "Lycée des métiers du Mont-Mesly",
        "actor_type": "public",
        "territory_code": "FR-QPV-94028-MONT-MESLY",
    },
    "club-entreprises-creteil": {
        "name": "Club des entreprises de Créteil",
        "actor_type": "association",
        "territory_code": "FR-COM-94028",
        "siren": siren("42318764"),
    },
    "ville-creteil": {"name": "Ville de Créteil", "actor_type": "public", "territory_code": "FR-COM-94028"},
    "ville-bonneuil": {
        "name": "Ville de Bonneuil-sur-Marne",
        "actor_type": "public",
        "territory_code": "FR-94",
    },
    "marne-logistique": {
        "name": "Transports Marne Logistique",
        "actor_type": "company",
        "territory_code": "FR-94",
        "siren": siren("51247093"),
    },
    "parents-mont-mesly": {
        "name": "Collectif des parents d'élèves du Mont-Mesly",
        "actor_type": "citizen",
        "territory_code": "FR-QPV-94028-MONT-MESLY",
    },
    "metropole-grand-paris": {
        "name": "Métropole du Grand Paris",
        "actor_type": "public",
        "territory_code": "FR-EPCI-200054781",
    },
    "fondation-reussir-ensemble": {
        "name": "Fondation Réussir Ensemble",
        "actor_type": "association",
        "territory_code": "FR-75C",
        "siren": siren("80139527"),
    },
    # Toulouse: the former barracks.
    "habitants-caserne": {
        "name": "Collectif des habitants de la Caserne",
        "actor_type": "citizen",
        "territory_code": "FR-31",
    },
    "scic-caserne-en-commun": {
        "name": "SCIC La Caserne en commun",
        "actor_type": "company",
        "territory_code": "FR-31",
        "siren": siren("88420316"),
    },
    "toulouse-metropole": {"name": "Toulouse Métropole", "actor_type": "public", "territory_code": "FR-31"},
    "epf-occitanie": {
        "name": "Établissement public foncier d'Occitanie",
        "actor_type": "public",
        "territory_code": "FR-OCC",
    },
    "labo-urbanisme-toulouse": {
        "name": "Laboratoire d'urbanisme coopératif, Université de Toulouse",
        "actor_type": "academic",
        "territory_code": "FR-31",
    },
    # Marseille: detection of children's visual troubles.
    "dsden-13": {
        "name": "Direction des services départementaux de l'Éducation nationale des Bouches-du-Rhône",
        "actor_type": "public",
        "territory_code": "FR-13",
    },
    "ecoles-marseille-nord": {
        "name": "Réseau d'éducation prioritaire Marseille Nord",
        "actor_type": "public",
        "territory_code": "FR-13",
    },
    "clinique-vision-sud": {
        "name": "Clinique de la Vision Marseille Sud",
        "actor_type": "company",
        "territory_code": "FR-13",
        "siren": siren("39052817"),
    },
    "centre-ophtalmo-nord": {
        "name": "Centre ophtalmologique des Quartiers Nord",
        "actor_type": "company",
        "territory_code": "FR-13",
        "siren": siren("75310648"),
    },
    "ministere-sante": {
        "name": "Ministère chargé de la Santé",
        "actor_type": "public",
        "territory_code": "FR",
    },
    "bien-voir-ensemble": {
        "name": "Association Bien Voir Ensemble",
        "actor_type": "association",
        "territory_code": "FR-13",
        "siren": siren("44981203"),
    },
    "parents-quartiers-nord": {
        "name": "Association des parents des Quartiers Nord",
        "actor_type": "association",
        "territory_code": "FR-13",
    },
    "labo-sante-publique-marseille": {
        "name": "Laboratoire de santé publique, Aix-Marseille Université",
        "actor_type": "academic",
        "territory_code": "FR-13",
    },
    # Creuse: rural mobility.
    "cc-creuse-grand-sud": {
        "name": "Communauté de communes Creuse Grand Sud",
        "actor_type": "public",
        "territory_code": "FR-23",
    },
    "garage-solidaire-creuse": {
        "name": "Garage solidaire de la Creuse",
        "actor_type": "association",
        "territory_code": "FR-COM-23008",
        "siren": siren("81562094"),
    },
    "region-nouvelle-aquitaine": {
        "name": "Région Nouvelle-Aquitaine",
        "actor_type": "public",
        "territory_code": "FR-NAQ",
    },
    "usagers-aubusson": {
        "name": "Collectif des usagers des transports d'Aubusson",
        "actor_type": "citizen",
        "territory_code": "FR-COM-23008",
    },
    "autocars-du-plateau": {
        "name": "Autocars du Plateau",
        "actor_type": "company",
        "territory_code": "FR-23",
        "siren": siren("32874519"),
    },
    # Nantes: zero waste in the estuary.
    "nantes-metropole": {"name": "Nantes Métropole", "actor_type": "public", "territory_code": "FR-44"},
    "recyclerie-estuaire": {
        "name": "Recyclerie de l'Estuaire",
        "actor_type": "association",
        "territory_code": "FR-44",
        "siren": siren("79015348"),
    },
    "comptoir-du-vrac": {
        "name": "Comptoir du Vrac nantais",
        "actor_type": "company",
        "territory_code": "FR-44",
        "siren": siren("85293407"),
    },
    "labo-economie-circulaire": {
        "name": "Laboratoire Économie circulaire, Nantes Université",
        "actor_type": "academic",
        "territory_code": "FR-44",
    },
    "zero-dechet-ile-de-nantes": {
        "name": "Collectif zéro déchet de l'Île de Nantes",
        "actor_type": "citizen",
        "territory_code": "FR-44",
    },
    # La Réunion: food and health.
    "chu-reunion": {
        "name": "Centre hospitalier universitaire de La Réunion",
        "actor_type": "public",
        "territory_code": "FR-974",
    },
    "maraichers-du-sud": {
        "name": "Association des producteurs maraîchers du Sud",
        "actor_type": "association",
        "territory_code": "FR-974",
        "siren": siren("52730961"),
    },
    "observatoire-nutrition-reunion": {
        "name": "Observatoire de la nutrition, Université de La Réunion",
        "actor_type": "academic",
        "territory_code": "FR-974",
    },
    "familles-saint-pierre": {
        "name": "Collectif des familles de Saint-Pierre",
        "actor_type": "citizen",
        "territory_code": "FR-974",
    },
    "ars-reunion": {
        "name": "Agence régionale de santé La Réunion",
        "actor_type": "public",
        "territory_code": "FR-974",
    },
    # Vierzon: employment.
    "ville-vierzon": {"name": "Ville de Vierzon", "actor_type": "public", "territory_code": "FR-COM-18279"},
    "france-travail-vierzon": {
        "name": "France Travail, agence de Vierzon",
        "actor_type": "public",
        "territory_code": "FR-COM-18279",
    },
    "ebe-vierzonnais": {
        "name": "Entreprise à but d'emploi du Vierzonnais",
        "actor_type": "company",
        "territory_code": "FR-COM-18279",
        "siren": siren("84106725"),
    },
    "forges-du-cher": {
        "name": "Forges et Ateliers du Cher",
        "actor_type": "company",
        "territory_code": "FR-18",
        "siren": siren("30618952"),
    },
    "cher-insertion": {
        "name": "Association Cher Insertion",
        "actor_type": "association",
        "territory_code": "FR-18",
    },
    "departement-cher": {"name": "Département du Cher", "actor_type": "public", "territory_code": "FR-18"},
    # Rhamna: water and sustainable farming.
    "conseil-provincial-rhamna": {
        "name": "Conseil provincial de Rhamna",
        "actor_type": "public",
        "territory_code": "MA-REH",
    },
    "cooperative-al-baraka": {
        "name": "Coopérative agricole Al Baraka",
        "actor_type": "company",
        "territory_code": "MA-REH",
    },
    "femmes-rurales-skhour": {
        "name": "Association des femmes rurales de Skhour Rehamna",
        "actor_type": "association",
        "territory_code": "MA-REH",
    },
    "centre-agronomie-ben-guerir": {
        "name": "Centre de recherche agronomique de Ben Guerir",
        "actor_type": "academic",
        "territory_code": "MA-REH",
    },
    "region-auvergne-rhone-alpes": {
        "name": "Région Auvergne-Rhône-Alpes",
        "actor_type": "public",
        "territory_code": "FR-ARA",
    },
    # Rennes: commuting.
    "rennes-metropole": {
        "name": "Rennes Métropole",
        "actor_type": "public",
        "territory_code": "FR-EPCI-243500139",
    },
    "covoit-rennes-nord": {
        "name": "Covoit'Rennes Nord",
        "actor_type": "company",
        "territory_code": "FR-EPCI-243500139",
        "siren": siren("89047153"),
    },
    "entreprises-rennes-nord": {
        "name": "Association des entreprises de la zone Rennes Nord",
        "actor_type": "association",
        "territory_code": "FR-EPCI-243500139",
        "siren": siren("48362019"),
    },
    "cyclistes-rennes-nord": {
        "name": "Collectif des salariés cyclistes de Rennes Nord",
        "actor_type": "citizen",
        "territory_code": "FR-EPCI-243500139",
    },
    "ademe-bretagne": {
        "name": "ADEME, direction régionale Bretagne",
        "actor_type": "public",
        "territory_code": "FR-BRE",
    },
    "labo-mobilites-rennes": {
        "name": "Laboratoire Mobilités et territoires, Université Rennes 2",
        "actor_type": "academic",
        "territory_code": "FR-EPCI-243500139",
    },
}

# `catalysts` and each member's `organisation` are slugs of the dicts above; every other key
# is a field of AllianceCreate or MemberCreate.
ALLIANCES: dict[str, dict] = {
    "parcours-lycee-entreprises": {
        "name": "Parcours lycée-entreprises du Mont-Mesly",
        "description": "Un lycée professionnel, un club d'entreprises et deux villes ouvrent les "
        "entreprises du territoire aux élèves : stages de découverte, parrainages, "
        "visites et jurys mixtes.",
        "objectives": "Que chaque élève de seconde découvre au moins trois métiers en entreprise ; "
        "réduire les ruptures de stage ; rapprocher durablement le lycée et les "
        "employeurs du bassin.",
        "territory_code": "FR-94",
        "catalysts": ["ateliers-du-val"],
        "domains": ["education", "employment"],
        "sdgs": [4, 8, 10],
        "stage": "extension",
        "started_on": "2019-09-02",
        "status": "active",
        "members": [
            {
                "organisation": "lycee-mont-mesly",
                "role": "founder",
                "joined_on": "2019-09-02",
                "objectives": "Offrir à tous les élèves un stage de qualité et faire évoluer les "
                "pratiques d'orientation de l'équipe pédagogique.",
            },
            {
                "organisation": "club-entreprises-creteil",
                "role": "founder",
                "joined_on": "2019-09-02",
                "objectives": "Faire connaître les métiers des entreprises adhérentes et préparer "
                "les recrutements de demain.",
            },
            {
                "organisation": "ville-creteil",
                "role": "member",
                "joined_on": "2019-09-02",
                "objectives": "Mieux relier la politique de la ville et l'emploi des jeunes du Mont-Mesly.",
            },
            {
                "organisation": "ville-bonneuil",
                "role": "member",
                "joined_on": "2020-01-15",
                "objectives": "Ouvrir le parcours aux jeunes de Bonneuil-sur-Marne et aux "
                "entreprises du port.",
            },
            {
                "organisation": "marne-logistique",
                "role": "member",
                "joined_on": "2019-10-01",
                "left_on": "2021-06-30",
                "objectives": "Accueillir dix stagiaires par an sur les plateformes logistiques.",
            },
            {
                "organisation": "parents-mont-mesly",
                "role": "beneficiary_representative",
                "joined_on": "2020-03-10",
                "objectives": "Porter la parole des familles et faire connaître le parcours aux parents.",
            },
            {
                "organisation": "metropole-grand-paris",
                "role": "funder",
                "joined_on": "2021-01-01",
                "objectives": "Soutenir l'essaimage du parcours dans d'autres villes de la métropole.",
            },
            {
                "organisation": "fondation-reussir-ensemble",
                "role": "funder",
                "joined_on": "2019-09-02",
                "objectives": "Financer la coordination du parcours pendant trois ans.",
            },
        ],
    },
    "caserne-en-commun": {
        "name": "La Caserne en commun",
        "description": "Des habitants réunis en coopérative reprennent une ancienne caserne pour y "
        "installer logements abordables, ateliers d'artisans, jardin partagé et lieu "
        "culturel.",
        "objectives": "Rouvrir le site aux habitants, y créer quarante emplois et en confier la "
        "gestion à une coopérative citoyenne.",
        "territory_code": "FR-31",
        "catalysts": ["le-quartier-general", "lien-territoires"],
        "domains": ["economic_development", "social_cohesion", "environment", "culture"],
        "sdgs": [11, 12, 17],
        "stage": "prototype",
        "started_on": "2021-03-15",
        "status": "active",
        "members": [
            {
                "organisation": "habitants-caserne",
                "role": "founder",
                "joined_on": "2021-03-15",
                "objectives": "Décider ensemble de l'usage du site et y faire vivre un lieu "
                "ouvert au quartier.",
            },
            {
                "organisation": "scic-caserne-en-commun",
                "role": "founder",
                "joined_on": "2021-09-01",
                "objectives": "Assurer la gestion économique du site et l'équilibre de ses activités.",
            },
            {
                "organisation": "toulouse-metropole",
                "role": "funder",
                "joined_on": "2021-06-01",
                "objectives": "Faire du site un exemple de reconversion économe en foncier.",
            },
            {
                "organisation": "epf-occitanie",
                "role": "member",
                "joined_on": "2021-03-15",
                "objectives": "Porter le foncier le temps que la coopérative puisse l'acquérir.",
            },
            {
                "organisation": "labo-urbanisme-toulouse",
                "role": "member",
                "joined_on": "2022-01-10",
                "objectives": "Documenter la démarche et en tirer une méthode transposable.",
            },
        ],
    },
    "bien-voir-pour-apprendre": {
        "name": "Bien voir pour apprendre",
        "description": "Repérage des troubles visuels des enfants scolarisés dans les quartiers "
        "nord de Marseille : écoles, cliniques, ministère et associations de parents "
        "coopèrent grâce à un tiers de confiance qui organise le dépistage et le suivi.",
        "objectives": "Dépister chaque enfant de grande section et de CP, et faire équiper en "
        "lunettes tous ceux qui en ont besoin dans les trois mois.",
        "territory_code": "FR-13",
        "catalysts": ["institut-mediterraneen-alliances"],
        "domains": ["health", "education"],
        "sdgs": [3, 4, 10],
        "stage": "extension",
        "started_on": "2019-01-14",
        "status": "active",
        "members": [
            {
                "organisation": "bien-voir-ensemble",
                "role": "trusted_third_party",
                "joined_on": "2019-01-14",
                "objectives": "Garantir la confidentialité des données de santé et coordonner "
                "les partenaires.",
            },
            {
                "organisation": "dsden-13",
                "role": "founder",
                "joined_on": "2019-01-14",
                "objectives": "Réduire les difficultés d'apprentissage liées à une vue non corrigée.",
            },
            {
                "organisation": "ecoles-marseille-nord",
                "role": "member",
                "joined_on": "2019-01-14",
                "objectives": "Organiser les dépistages pendant le temps scolaire.",
            },
            {
                "organisation": "clinique-vision-sud",
                "role": "member",
                "joined_on": "2019-03-01",
                "objectives": "Recevoir les enfants orientés en moins de six semaines.",
            },
            {
                "organisation": "centre-ophtalmo-nord",
                "role": "member",
                "joined_on": "2020-09-01",
                "objectives": "Assurer des consultations de proximité dans les quartiers nord.",
            },
            {
                "organisation": "ministere-sante",
                "role": "funder",
                "joined_on": "2019-06-01",
                "objectives": "Évaluer l'intérêt d'étendre le dispositif à d'autres académies.",
            },
            {
                "organisation": "parents-quartiers-nord",
                "role": "beneficiary_representative",
                "joined_on": "2019-01-14",
                "objectives": "Informer les familles et lever les freins au suivi des enfants.",
            },
            {
                "organisation": "labo-sante-publique-marseille",
                "role": "member",
                "joined_on": "2020-01-06",
                "objectives": "Mesurer l'effet du dépistage sur les apprentissages.",
            },
        ],
    },
    "mobilites-rurales-creuse": {
        "name": "Mobilités partagées du Sud creusois",
        "description": "Transport à la demande, autopartage et garage solidaire pour que les "
        "habitants sans voiture du Sud de la Creuse accèdent à l'emploi et aux services.",
        "objectives": "Proposer une solution de déplacement à chaque habitant sans voiture et "
        "réduire les refus d'emploi liés à la mobilité.",
        "territory_code": "FR-23",
        "catalysts": ["cooperer-en-creuse", "lien-territoires"],
        "domains": ["mobility", "employment", "environment"],
        "sdgs": [9, 11, 13],
        "stage": "prototype",
        "started_on": "2022-04-01",
        "status": "paused",
        "members": [
            {
                "organisation": "cc-creuse-grand-sud",
                "role": "founder",
                "joined_on": "2022-04-01",
                "objectives": "Tester une offre de mobilité avant de l'inscrire dans le plan intercommunal.",
            },
            {
                "organisation": "garage-solidaire-creuse",
                "role": "member",
                "joined_on": "2022-04-01",
                "objectives": "Louer et réparer à petit prix les véhicules des personnes en insertion.",
            },
            {
                "organisation": "region-nouvelle-aquitaine",
                "role": "funder",
                "joined_on": "2022-06-15",
                "objectives": "Connaître les besoins de mobilité en zone peu dense.",
            },
            {
                "organisation": "usagers-aubusson",
                "role": "beneficiary_representative",
                "joined_on": "2022-05-02",
                "objectives": "Faire remonter les besoins des habitants et tester les trajets.",
            },
            {
                "organisation": "autocars-du-plateau",
                "role": "member",
                "joined_on": "2022-04-01",
                "left_on": "2023-03-31",
                "objectives": "Assurer le transport à la demande pendant la phase de test.",
            },
        ],
    },
    "estuaire-zero-dechet": {
        "name": "Estuaire zéro déchet",
        "description": "Réemploi, vrac et compostage partagé : commerçants, habitants, recyclerie "
        "et collectivité réduisent ensemble les déchets de l'Île de Nantes, puis "
        "essaiment la démarche le long de l'estuaire.",
        "objectives": "Réduire de 20 % les déchets ménagers résiduels des quartiers engagés et "
        "créer des emplois dans le réemploi.",
        "territory_code": "FR-44",
        "catalysts": ["territoires-fertiles"],
        "domains": ["environment", "economic_development"],
        "sdgs": [12, 13, 14],
        "stage": "spreading",
        "started_on": "2020-06-01",
        "status": "active",
        "members": [
            {
                "organisation": "recyclerie-estuaire",
                "role": "founder",
                "joined_on": "2020-06-01",
                "objectives": "Doubler les volumes collectés pour le réemploi.",
            },
            {
                "organisation": "nantes-metropole",
                "role": "funder",
                "joined_on": "2020-09-01",
                "objectives": "Atteindre les objectifs du programme local de prévention des déchets.",
            },
            {
                "organisation": "comptoir-du-vrac",
                "role": "member",
                "joined_on": "2021-02-01",
                "objectives": "Développer la vente en vrac et la consigne chez les commerçants.",
            },
            {
                "organisation": "labo-economie-circulaire",
                "role": "member",
                "joined_on": "2021-09-15",
                "objectives": "Mesurer les tonnages évités et les emplois créés.",
            },
            {
                "organisation": "zero-dechet-ile-de-nantes",
                "role": "beneficiary_representative",
                "joined_on": "2020-06-01",
                "objectives": "Mobiliser les habitants et animer les composteurs de quartier.",
            },
        ],
    },
    "manger-mieux-sud-reunion": {
        "name": "Manger mieux, vivre mieux au Sud",
        "description": "Soignants, maraîchers, chercheurs et familles de Saint-Pierre construisent "
        "ensemble des actions contre le diabète et l'obésité : paniers de légumes "
        "locaux, ateliers cuisine, suivi par le CHU.",
        "objectives": "Rendre les légumes locaux accessibles aux familles modestes et faire "
        "reculer le surpoids des enfants suivis.",
        "territory_code": "FR-974",
        "catalysts": ["kaz-alliance-reunion"],
        "domains": ["health", "social_cohesion"],
        "sdgs": [2, 3],
        "stage": "emergence",
        "started_on": "2024-02-05",
        "status": "active",
        "members": [
            {
                "organisation": "chu-reunion",
                "role": "founder",
                "joined_on": "2024-02-05",
                "objectives": "Orienter les familles suivies vers les ateliers et mesurer "
                "l'évolution de leur santé.",
            },
            {
                "organisation": "maraichers-du-sud",
                "role": "member",
                "joined_on": "2024-02-05",
                "objectives": "Trouver un débouché stable et local pour leurs légumes.",
            },
            {
                "organisation": "observatoire-nutrition-reunion",
                "role": "member",
                "joined_on": "2024-03-01",
                "objectives": "Construire le suivi des indicateurs de nutrition.",
            },
            {
                "organisation": "familles-saint-pierre",
                "role": "beneficiary_representative",
                "joined_on": "2024-02-05",
                "objectives": "Adapter les ateliers aux habitudes et aux contraintes des familles.",
            },
            {
                "organisation": "ars-reunion",
                "role": "funder",
                "joined_on": "2024-04-01",
                "objectives": "Tester une action de prévention reproductible dans l'île.",
            },
        ],
    },
    "vierzon-emploi-partage": {
        "name": "Vierzon emploi partagé",
        "description": "Une entreprise à but d'emploi, la ville, les industriels et les acteurs de "
        "l'insertion proposent un emploi durable aux chômeurs de longue durée du "
        "Vierzonnais.",
        "objectives": "Proposer un CDI à cent chômeurs de longue durée en quatre ans, sur des "
        "activités utiles au territoire.",
        "territory_code": "FR-COM-18279",
        "catalysts": ["vierzon-cooperations", "lien-territoires"],
        "domains": ["employment", "economic_development", "social_cohesion"],
        "sdgs": [1, 8, 10],
        "stage": "extension",
        "started_on": "2019-11-04",
        "ended_on": "2023-12-31",
        "status": "ended",
        "members": [
            {
                "organisation": "ville-vierzon",
                "role": "founder",
                "joined_on": "2019-11-04",
                "left_on": "2023-12-31",
                "objectives": "Faire reculer le chômage de longue durée dans les quartiers.",
            },
            {
                "organisation": "ebe-vierzonnais",
                "role": "founder",
                "joined_on": "2019-11-04",
                "left_on": "2023-12-31",
                "objectives": "Créer des activités non concurrentes et y embaucher en CDI.",
            },
            {
                "organisation": "france-travail-vierzon",
                "role": "member",
                "joined_on": "2019-11-04",
                "left_on": "2023-12-31",
                "objectives": "Identifier et orienter les demandeurs d'emploi volontaires.",
            },
            {
                "organisation": "forges-du-cher",
                "role": "member",
                "joined_on": "2020-02-01",
                "left_on": "2022-06-30",
                "objectives": "Confier des activités de sous-traitance et recruter des salariés formés.",
            },
            {
                "organisation": "cher-insertion",
                "role": "member",
                "joined_on": "2019-11-04",
                "left_on": "2023-12-31",
                "objectives": "Accompagner les salariés dans leur parcours de retour à l'emploi.",
            },
            {
                "organisation": "departement-cher",
                "role": "funder",
                "joined_on": "2020-01-01",
                "left_on": "2023-12-31",
                "objectives": "Réduire le nombre d'allocataires du RSA sans solution.",
            },
            {
                "organisation": "fondation-reussir-ensemble",
                "role": "funder",
                "joined_on": "2021-01-01",
                "left_on": "2023-12-31",
                "objectives": "Financer la formation des salariés de l'entreprise à but d'emploi.",
            },
        ],
    },
    "eau-agriculture-rhamna": {
        "name": "Eau et agriculture durable dans la Rhamna",
        "description": "Coopératives agricoles, associations de femmes rurales, chercheurs et "
        "conseil provincial expérimentent ensemble des pratiques économes en eau, "
        "avec l'appui d'une chaire universitaire française.",
        "objectives": "Réduire de 30 % l'eau consommée par les exploitations engagées et "
        "augmenter les revenus des coopératives féminines.",
        "territory_code": "MA-REH",
        "catalysts": ["rhamna-territoire-partage", "chaire-cooperations-uca"],
        "domains": ["environment", "economic_development"],
        "sdgs": [2, 5, 6, 13, 17],
        "stage": "prototype",
        "started_on": "2023-05-10",
        "status": "active",
        "members": [
            {
                "organisation": "conseil-provincial-rhamna",
                "role": "founder",
                "joined_on": "2023-05-10",
                "objectives": "Préserver la ressource en eau de la province.",
            },
            {
                "organisation": "cooperative-al-baraka",
                "role": "member",
                "joined_on": "2023-05-10",
                "objectives": "Adopter l'irrigation au goutte-à-goutte sur les parcelles des adhérents.",
            },
            {
                "organisation": "femmes-rurales-skhour",
                "role": "beneficiary_representative",
                "joined_on": "2023-06-01",
                "objectives": "Développer la transformation et la vente des produits des "
                "coopératives féminines.",
            },
            {
                "organisation": "centre-agronomie-ben-guerir",
                "role": "trusted_third_party",
                "joined_on": "2023-05-10",
                "objectives": "Garantir des mesures de consommation d'eau fiables et partagées.",
            },
            {
                "organisation": "region-auvergne-rhone-alpes",
                "role": "funder",
                "joined_on": "2023-09-01",
                "objectives": "Soutenir la coopération décentralisée avec la province de Rhamna.",
            },
        ],
    },
    "cap-mobilite-rennes-nord": {
        "name": "Cap mobilité Rennes Nord",
        "description": "Entreprises, salariés, collectivité et chercheurs changent ensemble les "
        "trajets domicile-travail de la zone d'activités Rennes Nord : covoiturage, vélo, "
        "horaires décalés.",
        "objectives": "Faire passer la part des trajets en voiture individuelle de 80 % à 60 % en cinq ans.",
        "territory_code": "FR-EPCI-243500139",
        "catalysts": ["passerelles-bretagne"],
        "domains": ["mobility", "environment"],
        "sdgs": [3, 11, 13],
        "stage": "spreading",
        "started_on": "2020-09-14",
        "status": "active",
        "members": [
            {
                "organisation": "rennes-metropole",
                "role": "founder",
                "joined_on": "2020-09-14",
                "objectives": "Désengorger les accès à la zone et améliorer la qualité de l'air.",
            },
            {
                "organisation": "entreprises-rennes-nord",
                "role": "founder",
                "joined_on": "2020-09-14",
                "objectives": "Faciliter les trajets des salariés et les recrutements.",
            },
            {
                "organisation": "covoit-rennes-nord",
                "role": "member",
                "joined_on": "2021-01-04",
                "objectives": "Atteindre cinq cents covoitureurs réguliers.",
            },
            {
                "organisation": "cyclistes-rennes-nord",
                "role": "beneficiary_representative",
                "joined_on": "2021-03-01",
                "objectives": "Obtenir des itinéraires cyclables sûrs jusqu'à la zone.",
            },
            {
                "organisation": "ademe-bretagne",
                "role": "funder",
                "joined_on": "2020-09-14",
                "objectives": "Mesurer les émissions évitées et diffuser la démarche.",
            },
            {
                "organisation": "labo-mobilites-rennes",
                "role": "member",
                "joined_on": "2021-09-01",
                "objectives": "Enquêter chaque année sur les pratiques de déplacement des salariés.",
            },
        ],
    },
}


# --- Indicators and their values -------------------------------------------------------------
# Periods are written as `observatoire` reads them: a year (2024), a quarter (2024-Q2) or a
# month (2024-05). Values run up to September 2026.

# A fixed pattern of small deviations, so that generated monthly series are not straight lines.
_WIGGLE = (0.0, 0.5, -0.3, 0.8, -0.6, 0.2, -0.9, 0.4, 1.0, -0.2, 0.6, -0.7)


def months(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` included, e.g. `months("2022-01", "2026-09")`."""
    year, month = map(int, first.split("-"))
    periods = [f"{year}-{month:02d}"]
    while periods[-1] != last:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        periods.append(f"{year}-{month:02d}")
    return periods


def quarters(first: str, last: str) -> list[str]:
    """Every quarter from `first` to `last` included, e.g. `quarters("2022-Q1", "2026-Q3")`."""
    year, quarter = int(first[:4]), int(first[-1])
    periods = [f"{year}-Q{quarter}"]
    while periods[-1] != last:
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
        periods.append(f"{year}-Q{quarter}")
    return periods


def trend(periods: list[str], start: float, end: float, *, wiggle: float, decimals: int = 0) -> dict:
    """A value per period going from `start` to `end`, with deterministic deviations of `wiggle`."""
    last = len(periods) - 1
    return {
        period: round(start + (end - start) * i / last + wiggle * _WIGGLE[i % len(_WIGGLE)], decimals)
        for i, period in enumerate(periods)
    }


def series(
    source: str,
    values: dict[str, float],
    *,
    provisional: tuple[str, ...] = (),
    estimated: tuple[str, ...] = (),
    comments: dict[str, str] | None = None,
) -> list[dict]:
    """The observations of one indicator: final unless listed as provisional or estimated."""
    comments = comments or {}
    return [
        {
            "period": period,
            "value": value,
            "status": "provisional"
            if period in provisional
            else "estimated"
            if period in estimated
            else "final",
            "source": source,
            "comment": comments.get(period),
        }
        for period, value in values.items()
    ]


# Per alliance slug, its indicators: the fields of IndicatorCreate, except `member` (the slug of
# the organisation whose individual objective it measures: member-scoped indicators), `values`
# (the observations) and `corrections` (a value first posted for a period, then corrected to the
# one in `values`: both stay in the observation's history).
INDICATORS: dict[str, list[dict]] = {
    "parcours-lycee-entreprises": [
        {
            "code": "STAGES",
            "name": "Jeunes accueillis en stage dans les entreprises du parcours",
            "calculation_method": "Nombre de jeunes accueillis en stage, d'après les conventions signées "
            "entre le lycée et les entreprises du parcours, sur l'année civile.",
            "unit": "jeunes",
            "measure_type": "quantity",
            "direction": "increase",
            "baseline_value": 60,
            "baseline_date": "2021-06-30",
            "target_value": 180,
            "target_date": "2026-06-30",
            "axis": "performance",
            "prism": "individual",
            "dimension": "personal_fulfilment",
            "weight": 2,
            "values": series(
                "Bilan annuel du parcours",
                {"2022": 78, "2023": 104, "2024": 132, "2025": 151},
                provisional=("2025",),
                comments={
                    "2024": "Correction : les stages en alternance étaient comptés deux fois ; chiffre "
                    "rapproché du registre des conventions du lycée."
                },
            ),
            "corrections": [
                {
                    "period": "2024",
                    "value": 147,
                    "status": "provisional",
                    "source": "Bilan annuel du parcours (version provisoire)",
                }
            ],
        },
        {
            "code": "RUPTURES",
            "name": "Part des stages interrompus avant leur terme",
            "calculation_method": "Stages interrompus avant la date de fin prévue, rapportés aux stages "
            "commencés dans le trimestre (registre des conventions du lycée).",
            "unit": "%",
            "measure_type": "percentage",
            "direction": "decrease",
            "baseline_value": 18,
            "baseline_date": "2021-06-30",
            "target_value": 8,
            "target_date": "2026-06-30",
            "axis": "performance",
            "prism": "individual",
            "dimension": "social",
            "values": series(
                "Registre des conventions du lycée",
                trend(quarters("2022-Q1", "2026-Q3"), 17.5, 9.5, wiggle=1.2, decimals=1),
                provisional=("2026-Q2", "2026-Q3"),
            ),
        },
        {
            "code": "JURY",
            "name": "Jury mixte lycée-entreprises pour les soutenances de stage",
            "calculation_method": "1 si au moins un jury de soutenance de l'année associe enseignants et "
            "chefs d'entreprise, 0 sinon (procès-verbaux des jurys).",
            "measure_type": "binary",
            "direction": "increase",
            "axis": "innovation",
            "prism": "organisation",
            "dimension": "societal",
            "values": series("Procès-verbaux des jurys", {"2022": 0, "2023": 1, "2024": 1, "2025": 1}),
        },
        {
            "code": "CONF-ENT",
            "name": "Confiance des entreprises du club envers le lycée",
            "calculation_method": "Score moyen de confiance (enquête annuelle auprès des entreprises "
            "adhérentes du club, échelle 1 à 5).",
            "unit": "points (1 à 5)",
            "measure_type": "ordinal",
            "scale_min": 1,
            "scale_max": 5,
            "direction": "increase",
            "axis": "trust",
            "prism": "organisation",
            "dimension": "economic",
            "member": "club-entreprises-creteil",
            "values": series(
                "Enquête annuelle du club d'entreprises",
                {"2022": 3.1, "2023": 3.4, "2024": 3.8, "2025": 3.9},
            ),
        },
    ],
    "caserne-en-commun": [
        {
            "code": "EMPLOIS",
            "name": "Emplois sur le site de la caserne",
            "calculation_method": "Équivalents temps plein des structures installées sur le site au "
            "dernier jour du trimestre (registres du personnel transmis à la SCIC).",
            "unit": "ETP",
            "measure_type": "quantity",
            "direction": "increase",
            "baseline_value": 0,
            "baseline_date": "2021-03-15",
            "target_value": 40,
            "target_date": "2027-12-31",
            "axis": "performance",
            "prism": "ecosystem",
            "dimension": "economic",
            "weight": 2,
            "values": series(
                "Registres du personnel (SCIC Caserne en commun)",
                trend(quarters("2022-Q1", "2026-Q3"), 2, 28.5, wiggle=0.6, decimals=1),
                provisional=("2026-Q3",),
                estimated=("2023-Q2",),
                comments={"2023-Q2": "Deux structures n'ont pas transmis leur registre : valeur estimée."},
            ),
        },
        {
            "code": "SURFACE",
            "name": "Part de la surface du site rendue à de nouveaux usages",
            "calculation_method": "Surface de plancher occupée par des logements, des ateliers ou des "
            "activités ouvertes au public, rapportée à la surface totale des bâtiments (plans "
            "tenus par l'EPF).",
            "unit": "%",
            "measure_type": "percentage",
            "direction": "increase",
            "axis": "innovation",
            "prism": "ecosystem",
            "dimension": "environmental",
            "values": series(
                "Relevé des surfaces (EPF Occitanie)", {"2022": 12, "2023": 27, "2024": 41, "2025": 54}
            ),
        },
        {
            "code": "GOUV",
            "name": "Niveau de gouvernance partagée du site",
            "calculation_method": "Grille de maturité en 4 niveaux cotée chaque année par le comité de "
            "pilotage : 1 information des habitants, 2 consultation, 3 co-décision, 4 gestion "
            "confiée à la coopérative.",
            "unit": "niveau (1 à 4)",
            "measure_type": "ordinal",
            "scale_min": 1,
            "scale_max": 4,
            "direction": "increase",
            "axis": "trust",
            "prism": "ecosystem",
            "dimension": "political",
            "values": series("Comité de pilotage", {"2022": 2, "2023": 2, "2024": 3, "2025": 3}),
        },
        {
            "code": "ASSEMBLEES",
            "name": "Habitants présents aux assemblées de la coopérative",
            "calculation_method": "Personnes ayant émargé aux assemblées ouvertes du trimestre "
            "(feuilles d'émargement). Bornes : 0 personne, et 150, la capacité de la grande salle.",
            "unit": "personnes",
            "measure_type": "quantity",
            "direction": "increase",
            "worst": 0,
            "best": 150,
            "axis": "trust",
            "prism": "individual",
            "dimension": "political",
            "values": series(
                "Feuilles d'émargement",
                dict(
                    zip(
                        quarters("2022-Q1", "2026-Q3"),
                        [35, 42, 28, 51, 58, 63, 40, 72, 77, 81, 55, 88, 92, 96, 70, 104, 101, 110, 86],
                        strict=True,
                    )
                ),
                provisional=("2026-Q3",),
            ),
        },
    ],
    "bien-voir-pour-apprendre": [
        {
            "code": "DELAI",
            "name": "Délai moyen d'attente pour un rendez-vous ophtalmologique (jours)",
            "calculation_method": "Moyenne, sur les enfants orientés dans le mois, du nombre de jours "
            "entre le dépistage et la consultation (registre du tiers de confiance).",
            "unit": "jours",
            "measure_type": "quantity",
            "direction": "decrease",
            "baseline_value": 120,
            "baseline_date": "2019-01-14",
            "target_value": 45,
            "target_date": "2026-12-31",
            "axis": "performance",
            "prism": "individual",
            "dimension": "social",
            "weight": 2,
            "values": series(
                "Registre du tiers de confiance",
                trend(months("2022-01", "2026-09"), 96, 52, wiggle=4),
                provisional=("2026-08", "2026-09"),
                estimated=("2022-08", "2023-08", "2024-08", "2025-08"),
                comments={
                    month: "Vacances scolaires : pas de dépistage, délai estimé sur les rendez-vous "
                    "déjà fixés."
                    for month in ("2022-08", "2023-08", "2024-08", "2025-08")
                },
            ),
        },
        {
            "code": "DEPISTES",
            "name": "Part des enfants de grande section et de CP dépistés",
            "calculation_method": "Enfants dépistés dans l'année, rapportés aux effectifs de grande "
            "section et de CP des écoles engagées (effectifs transmis par la DSDEN).",
            "unit": "%",
            "measure_type": "percentage",
            "direction": "increase",
            "baseline_value": 62,
            "baseline_date": "2019-06-30",
            "target_value": 95,
            "target_date": "2026-06-30",
            "axis": "performance",
            "prism": "individual",
            "dimension": "social",
            "values": series(
                "Effectifs DSDEN et registre du dépistage",
                {"2022": 78, "2023": 84, "2024": 88, "2025": 91},
            ),
        },
        {
            "code": "ESSAIMAGE",
            "name": "Dispositif étendu à une autre académie",
            "calculation_method": "1 dès qu'une autre académie applique le protocole de dépistage avec "
            "un tiers de confiance (convention signée), 0 sinon.",
            "measure_type": "binary",
            "direction": "increase",
            "axis": "innovation",
            "prism": "ecosystem",
            "dimension": "societal",
            "values": series("Conventions signées", {"2022": 0, "2023": 0, "2024": 1, "2025": 1}),
        },
        {
            "code": "CONF-FAM",
            "name": "Confiance des familles dans le dispositif",
            "calculation_method": "Score moyen de confiance (enquête annuelle auprès des familles des "
            "enfants dépistés, échelle 1 à 5).",
            "unit": "points (1 à 5)",
            "measure_type": "ordinal",
            "scale_min": 1,
            "scale_max": 5,
            "direction": "increase",
            "axis": "trust",
            "prism": "individual",
            "dimension": "social",
            "values": series(
                "Enquête annuelle auprès des familles",
                {"2022": 3.3, "2023": 3.6, "2024": 3.7, "2025": 4.1},
            ),
        },
    ],
    "mobilites-rurales-creuse": [
        {
            "code": "TRAJETS",
            "name": "Trajets en transport à la demande et en autopartage",
            "calculation_method": "Trajets du trimestre enregistrés par la centrale de réservation, plus "
            "les locations de véhicules du garage solidaire.",
            "unit": "trajets",
            "measure_type": "quantity",
            "direction": "increase",
            "baseline_value": 0,
            "baseline_date": "2022-04-01",
            "target_value": 900,
            "target_date": "2025-12-31",
            "axis": "performance",
            "prism": "individual",
            "dimension": "social",
            "weight": 2,
            "values": series(
                "Centrale de réservation et garage solidaire",
                {
                    "2022-Q2": 120,
                    "2022-Q3": 210,
                    "2022-Q4": 260,
                    "2023-Q1": 330,
                    "2023-Q2": 240,
                    "2023-Q3": 300,
                    "2023-Q4": 370,
                    "2024-Q1": 420,
                    "2024-Q2": 480,
                    "2024-Q3": 510,
                    "2024-Q4": 540,
                    "2025-Q1": 520,
                    "2025-Q2": 500,
                    "2025-Q3": 460,
                    "2025-Q4": 430,
                    "2026-Q1": 410,
                    "2026-Q2": 420,
                    "2026-Q3": 400,
                },
                provisional=("2026-Q3",),
                comments={"2023-Q2": "Fin du transport à la demande assuré par les Autocars du Plateau."},
            ),
        },
        {
            "code": "REFUS",
            "name": "Part des offres d'emploi refusées faute de moyen de transport",
            "calculation_method": "Offres refusées pour un motif de mobilité, rapportées aux offres "
            "proposées aux demandeurs d'emploi du Sud creusois (enquête annuelle auprès des "
            "conseillers emploi).",
            "unit": "%",
            "measure_type": "percentage",
            "direction": "decrease",
            "axis": "performance",
            "prism": "individual",
            "dimension": "economic",
            "values": series(
                "Enquête annuelle auprès des conseillers emploi",
                {"2022": 34, "2023": 29, "2024": 24, "2025": 23},
                estimated=("2025",),
                comments={"2025": "Enquête interrompue pendant la pause du projet : valeur estimée."},
            ),
        },
        {
            "code": "PLAN",
            "name": "Offre de mobilité inscrite au plan de mobilité intercommunal",
            "calculation_method": "1 si le plan de mobilité simplifié adopté par la communauté de "
            "communes reprend l'offre testée, 0 sinon (délibérations).",
            "measure_type": "binary",
            "direction": "increase",
            "axis": "innovation",
            "prism": "ecosystem",
            "dimension": "political",
            "values": series(
                "Délibérations du conseil communautaire", {"2022": 0, "2023": 0, "2024": 1, "2025": 1}
            ),
        },
        {
            "code": "CONF-USAGERS",
            "name": "Confiance des usagers dans le service",
            "calculation_method": "Score moyen de confiance (questionnaire remis aux usagers chaque "
            "automne, échelle 1 à 5).",
            "unit": "points (1 à 5)",
            "measure_type": "ordinal",
            "scale_min": 1,
            "scale_max": 5,
            "direction": "increase",
            "axis": "trust",
            "prism": "individual",
            "dimension": "personal_fulfilment",
            "member": "usagers-aubusson",
            "values": series(
                "Questionnaire aux usagers", {"2022": 3.0, "2023": 2.7, "2024": 3.5, "2025": 3.4}
            ),
        },
    ],
    "estuaire-zero-dechet": [
        {
            "code": "DMR",
            "name": "Déchets ménagers résiduels par habitant des quartiers engagés",
            "calculation_method": "Ordures ménagères résiduelles collectées dans les quartiers engagés "
            "au cours du trimestre, rapportées à leur population et ramenées à l'année (kg par "
            "habitant et par an, pesées de Nantes Métropole).",
            "unit": "kg/hab/an",
            "measure_type": "quantity",
            "direction": "decrease",
            "baseline_value": 210,
            "baseline_date": "2020-06-30",
            "target_value": 168,
            "target_date": "2026-12-31",
            "axis": "performance",
            "prism": "ecosystem",
            "dimension": "environmental",
            "weight": 2,
            "values": series(
                "Pesées de collecte (Nantes Métropole)",
                trend(quarters("2022-Q1", "2026-Q3"), 201, 167, wiggle=4),
                provisional=("2026-Q3",),
            ),
        },
        {
            "code": "REEMPLOI",
            "name": "Tonnage collecté pour le réemploi",
            "description": "Suivi du volume sans objectif chiffré : l'alliance n'a pas encore fixé de cible.",
            "calculation_method": "Somme des pesées du mois à l'entrée de la recyclerie et aux points de "
            "collecte partenaires.",
            "unit": "tonnes",
            "measure_type": "quantity",
            "direction": "increase",
            "axis": "performance",
            "prism": "ecosystem",
            "dimension": "environmental",
            "values": series(
                "Pesées de la recyclerie",
                trend(months("2022-01", "2026-09"), 18, 34, wiggle=2.5, decimals=1),
                provisional=("2026-09",),
            ),
        },
        {
            "code": "EMPLOIS-REEMPLOI",
            "name": "Emplois de la recyclerie",
            "calculation_method": "Équivalents temps plein salariés de la recyclerie au 31 décembre "
            "(registre du personnel).",
            "unit": "ETP",
            "measure_type": "quantity",
            "direction": "increase",
            "baseline_value": 6,
            "baseline_date": "2020-12-31",
            "target_value": 15,
            "target_date": "2026-12-31",
            "axis": "performance",
            "prism": "organisation",
            "dimension": "economic",
            "member": "recyclerie-estuaire",
            "values": series(
                "Registre du personnel de la recyclerie",
                {"2022": 8, "2023": 9.5, "2024": 11, "2025": 12.5},
            ),
        },
        {
            "code": "VRAC",
            "name": "Part des commerçants proposant vrac ou consigne",
            "calculation_method": "Commerces alimentaires des quartiers engagés proposant au moins une "
            "gamme en vrac ou en consigne, rapportés à l'ensemble des commerces alimentaires "
            "(recensement annuel).",
            "unit": "%",
            "measure_type": "percentage",
            "direction": "increase",
            "baseline_value": 8,
            "baseline_date": "2020-06-30",
            "target_value": 40,
            "target_date": "2026-12-31",
            "axis": "innovation",
            "prism": "organisation",
            "dimension": "economic",
            "values": series(
                "Recensement annuel des commerces", {"2022": 17, "2023": 23, "2024": 29, "2025": 33}
            ),
        },
        {
            "code": "COMPOST",
            "name": "Coopération entre habitants autour des composteurs partagés",
            "calculation_method": "Grille en 4 niveaux cotée chaque année par les animateurs, niveau "
            "le plus fréquent parmi les composteurs : 1 dépôts isolés, 2 permanences tenues par "
            "l'animateur, 3 permanences tenues par des habitants, 4 composteur autogéré.",
            "unit": "niveau (1 à 4)",
            "measure_type": "ordinal",
            "scale_min": 1,
            "scale_max": 4,
            "direction": "increase",
            "axis": "trust",
            "prism": "individual",
            "dimension": "societal",
            "values": series(
                "Grille d'observation des animateurs", {"2022": 2, "2023": 2, "2024": 3, "2025": 3}
            ),
        },
    ],
    # Young and still without an innovation indicator: its innovation axis is not measured.
    "manger-mieux-sud-reunion": [
        {
            "code": "PANIERS",
            "name": "Paniers de légumes locaux distribués aux familles",
            "calculation_method": "Paniers retirés dans le mois aux points de distribution (bons de "
            "retrait signés).",
            "unit": "paniers",
            "measure_type": "quantity",
            "direction": "increase",
            "baseline_value": 0,
            "baseline_date": "2024-02-05",
            "target_value": 400,
            "target_date": "2026-12-31",
            "axis": "performance",
            "prism": "individual",
            "dimension": "economic",
            "weight": 2,
            "values": series(
                "Bons de retrait des points de distribution",
                trend(months("2024-03", "2026-09"), 40, 330, wiggle=15),
                provisional=("2026-09",),
            ),
        },
        {
            "code": "SURPOIDS",
            "name": "Part des enfants suivis en surpoids",
            "calculation_method": "Enfants suivis par le CHU dont l'IMC dépasse le seuil de surpoids de "
            "leur âge, rapportés aux enfants suivis (mesures du trimestre).",
            "unit": "%",
            "measure_type": "percentage",
            "direction": "decrease",
            "baseline_value": 31,
            "baseline_date": "2024-03-31",
            "target_value": 25,
            "target_date": "2027-12-31",
            "axis": "performance",
            "prism": "individual",
            "dimension": "social",
            "values": series(
                "Dossiers de suivi du CHU",
                dict(
                    zip(
                        quarters("2024-Q2", "2026-Q3"),
                        [31.2, 30.8, 30.5, 30.1, 29.6, 29.9, 29.2, 28.7, 28.4, 28.1],
                        strict=True,
                    )
                ),
                provisional=("2026-Q3",),
                estimated=("2025-Q3",),
            ),
        },
        {
            "code": "CONF",
            "name": "Confiance des familles envers les soignants et les maraîchers",
            "calculation_method": "Score moyen de confiance (enquête annuelle auprès des familles "
            "participantes, échelle 1 à 5).",
            "unit": "points (1 à 5)",
            "measure_type": "ordinal",
            "scale_min": 1,
            "scale_max": 5,
            "direction": "increase",
            "axis": "trust",
            "prism": "individual",
            "dimension": "social",
            "values": series("Enquête annuelle auprès des familles", {"2024": 3.2, "2025": 3.7}),
        },
    ],
    "vierzon-emploi-partage": [
        {
            "code": "CDI",
            "name": "Chômeurs de longue durée embauchés en CDI",
            "calculation_method": "Cumul des salariés embauchés en CDI par l'entreprise à but d'emploi "
            "depuis son ouverture, au dernier jour du trimestre (registre unique du personnel).",
            "unit": "salariés",
            "measure_type": "quantity",
            "direction": "increase",
            "baseline_value": 0,
            "baseline_date": "2019-11-04",
            "target_value": 100,
            "target_date": "2023-12-31",
            "axis": "performance",
            "prism": "individual",
            "dimension": "economic",
            "weight": 2,
            "values": series(
                "Registre unique du personnel",
                dict(zip(quarters("2022-Q1", "2023-Q4"), [52, 58, 63, 69, 76, 82, 87, 93], strict=True)),
            ),
        },
        {
            "code": "SORTIES",
            "name": "Part des salariés partis vers un emploi durable",
            "calculation_method": "Salariés ayant quitté l'entreprise à but d'emploi pour un CDI ou un "
            "CDD de plus de six mois, rapportés à l'ensemble des départs de l'année.",
            "unit": "%",
            "measure_type": "percentage",
            "direction": "increase",
            "axis": "performance",
            "prism": "individual",
            "dimension": "economic",
            "values": series("Bilan annuel de l'entreprise à but d'emploi", {"2022": 38, "2023": 45}),
        },
        {
            "code": "ACTIVITES",
            "name": "Activités nouvelles utiles au territoire",
            "calculation_method": "Nombre cumulé d'activités lancées par l'entreprise à but d'emploi et "
            "reconnues non concurrentes par le comité local pour l'emploi (procès-verbaux). "
            "Bornes : 0, et 20 activités, l'ambition du projet.",
            "unit": "activités",
            "measure_type": "quantity",
            "direction": "increase",
            "worst": 0,
            "best": 20,
            "axis": "innovation",
            "prism": "ecosystem",
            "dimension": "societal",
            "values": series("Procès-verbaux du comité local pour l'emploi", {"2022": 11, "2023": 14}),
        },
        {
            "code": "CONF-INDUS",
            "name": "Confiance des industriels envers l'entreprise à but d'emploi",
            "calculation_method": "Score moyen de confiance (enquête annuelle auprès des entreprises du "
            "bassin, échelle 1 à 5).",
            "unit": "points (1 à 5)",
            "measure_type": "ordinal",
            "scale_min": 1,
            "scale_max": 5,
            "direction": "increase",
            "axis": "trust",
            "prism": "organisation",
            "dimension": "economic",
            "values": series("Enquête annuelle auprès des entreprises", {"2022": 3.0, "2023": 3.4}),
        },
    ],
    "eau-agriculture-rhamna": [
        {
            "code": "EAU",
            "name": "Eau consommée par hectare irrigué",
            "calculation_method": "Relevés des compteurs des exploitations engagées sur le trimestre, "
            "divisés par la surface irriguée et ramenés à l'année (m³ par hectare et par an).",
            "unit": "m³/ha/an",
            "measure_type": "quantity",
            "direction": "decrease",
            "baseline_value": 5200,
            "baseline_date": "2023-05-10",
            "target_value": 3640,
            "target_date": "2027-12-31",
            "axis": "performance",
            "prism": "ecosystem",
            "dimension": "environmental",
            "weight": 2,
            "values": series(
                "Relevés des compteurs (Centre d'agronomie de Ben Guerir)",
                dict(
                    zip(
                        quarters("2023-Q3", "2026-Q3"),
                        [5150, 4980, 5060, 4820, 4650, 4540, 4610, 4400, 4310, 4220, 4290, 4120, 4050],
                        strict=True,
                    )
                ),
                provisional=("2026-Q3",),
                estimated=("2024-Q1",),
                comments={"2024-Q1": "Compteurs de deux exploitations hors service : valeur estimée."},
            ),
        },
        {
            "code": "REVENUS",
            "name": "Hausse du revenu des coopératives féminines depuis 2023",
            "calculation_method": "Chiffre d'affaires annuel des coopératives féminines adhérentes "
            "comparé à celui de 2023, en pourcentage (comptes des coopératives).",
            "unit": "%",
            "measure_type": "percentage",
            "direction": "increase",
            "baseline_value": 0,
            "baseline_date": "2023-12-31",
            "target_value": 25,
            "target_date": "2027-12-31",
            "axis": "performance",
            "prism": "organisation",
            "dimension": "economic",
            "member": "femmes-rurales-skhour",
            "values": series(
                "Comptes annuels des coopératives",
                {"2023": 0, "2024": 7, "2025": 13},
                provisional=("2025",),
            ),
        },
        {
            "code": "GOUTTE",
            "name": "Part des parcelles équipées en goutte-à-goutte",
            "calculation_method": "Parcelles des adhérents équipées en irrigation goutte-à-goutte, "
            "rapportées à l'ensemble des parcelles irriguées (inventaire de la coopérative, fin "
            "de trimestre).",
            "unit": "%",
            "measure_type": "percentage",
            "direction": "increase",
            "axis": "innovation",
            "prism": "organisation",
            "dimension": "environmental",
            "values": series(
                "Inventaire de la coopérative Al Baraka",
                dict(
                    zip(
                        quarters("2023-Q3", "2026-Q3"),
                        [8, 11, 15, 19, 24, 28, 33, 37, 41, 46, 50, 53, 57],
                        strict=True,
                    )
                ),
                provisional=("2026-Q3",),
            ),
        },
        {
            "code": "MESURES",
            "name": "Confiance dans les mesures d'eau partagées",
            "calculation_method": "Niveau coté chaque année par les partenaires réunis en atelier : 1 les "
            "chiffres sont contestés, 2 acceptés avec réserves, 3 acceptés par tous, 4 utilisés "
            "par tous pour décider.",
            "unit": "niveau (1 à 4)",
            "measure_type": "ordinal",
            "scale_min": 1,
            "scale_max": 4,
            "direction": "increase",
            "axis": "trust",
            "prism": "ecosystem",
            "dimension": "political",
            "values": series("Atelier annuel des partenaires", {"2023": 1, "2024": 2, "2025": 3}),
        },
    ],
    "cap-mobilite-rennes-nord": [
        {
            "code": "VOITURE",
            "name": "Part des trajets domicile-travail en voiture individuelle",
            "calculation_method": "Part des salariés de la zone déclarant venir seuls en voiture "
            "(enquête annuelle de déplacements du laboratoire).",
            "unit": "%",
            "measure_type": "percentage",
            "direction": "decrease",
            "baseline_value": 80,
            "baseline_date": "2020-09-14",
            "target_value": 60,
            "target_date": "2025-12-31",
            "axis": "performance",
            "prism": "ecosystem",
            "dimension": "environmental",
            "weight": 2,
            "values": series(
                "Enquête annuelle de déplacements", {"2022": 76, "2023": 72, "2024": 69, "2025": 66}
            ),
        },
        {
            "code": "COVOIT",
            "name": "Covoitureurs réguliers",
            "calculation_method": "Personnes ayant effectué au moins quatre trajets covoiturés dans le "
            "mois (plateforme de mise en relation).",
            "unit": "personnes",
            "measure_type": "quantity",
            "direction": "increase",
            "baseline_value": 40,
            "baseline_date": "2021-01-04",
            "target_value": 500,
            "target_date": "2026-12-31",
            "axis": "performance",
            "prism": "organisation",
            "dimension": "environmental",
            "member": "covoit-rennes-nord",
            "values": series(
                "Plateforme de covoiturage",
                trend(months("2022-01", "2026-09"), 120, 430, wiggle=12),
                provisional=("2026-09",),
            ),
        },
        {
            "code": "COUPURE",
            "name": "Itinéraire cyclable interrompu vers la zone",
            "calculation_method": "1 si l'itinéraire cyclable entre le centre de Rennes et la zone "
            "présente encore au moins une coupure, 0 sinon (relevé du collectif de cyclistes).",
            "measure_type": "binary",
            "direction": "decrease",
            "axis": "performance",
            "prism": "ecosystem",
            "dimension": "environmental",
            "values": series(
                "Relevé du collectif de cyclistes", {"2022": 1, "2023": 1, "2024": 1, "2025": 0}
            ),
        },
        {
            "code": "HORAIRES",
            "name": "Charte d'horaires décalés signée",
            "calculation_method": "1 si au moins dix entreprises de la zone ont signé la charte "
            "d'horaires décalés, 0 sinon (registre des signataires).",
            "measure_type": "binary",
            "direction": "increase",
            "axis": "innovation",
            "prism": "organisation",
            "dimension": "economic",
            "values": series(
                "Registre des signataires de la charte", {"2022": 0, "2023": 1, "2024": 1, "2025": 1}
            ),
        },
        {
            "code": "CONF",
            "name": "Confiance entre entreprises et collectivité",
            "calculation_method": "Score moyen de confiance (enquête annuelle auprès des entreprises de "
            "la zone et des services de la métropole, échelle 1 à 5).",
            "unit": "points (1 à 5)",
            "measure_type": "ordinal",
            "scale_min": 1,
            "scale_max": 5,
            "direction": "increase",
            "axis": "trust",
            "prism": "organisation",
            "dimension": "political",
            "values": series(
                "Enquête annuelle de déplacements", {"2022": 3.4, "2023": 3.6, "2024": 3.9, "2025": 4.0}
            ),
        },
    ],
}
