"""The demo dataset, as plain data.

Catalysts, organisations and alliances are keyed by a slug: the seed turns each slug into a
deterministic id, and alliances and members refer to catalysts and organisations by slug.
Each entry holds exactly the fields of the matching Create schema (catalyst and alliance
references aside), so that it is validated like an API request.

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
