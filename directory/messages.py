"""Every French message of the application that does not live in a template.

marshmallow and WTForms speak English by default; their French wording is set here, in one place.
"""

# marshmallow fields
REQUIRED = "Ce champ est obligatoire."
NULL = "Ce champ ne peut pas être vide."
INVALID_VALUE = "Valeur invalide."
NOT_A_STRING = "Un texte est attendu."
NOT_UTF8 = "Le texte n'est pas en UTF-8 valide."
NOT_AN_INTEGER = "Un nombre entier est attendu."
NOT_A_NUMBER = "Un nombre est attendu."
NUMBER_TOO_LARGE = "Ce nombre est trop grand."
SPECIAL_NUMBER = "Les valeurs spéciales (nan, infini) ne sont pas admises."
NOT_A_BOOLEAN = "« oui » ou « non » (true ou false) est attendu."
NOT_A_LIST = "Une liste est attendue."
NOT_AN_OBJECT = "Un objet est attendu."
NOT_AN_EMAIL = "Adresse électronique invalide."
NOT_A_URL = "Adresse web invalide : elle doit commencer par http:// ou https://."
NOT_A_DATE = "Date invalide."
UNKNOWN_FIELD = "Champ inconnu dans le standard de la fiche."
INVALID_INPUT = "Les données doivent être un objet JSON."

# marshmallow validators
LENGTH_MIN = "Au moins {min} caractères."
LENGTH_MAX = "{max} caractères au plus."
LENGTH_BETWEEN = "Entre {min} et {max} caractères."
LENGTH_EQUAL = "Exactement {equal} caractères."
# marshmallow fills {min_op}/{max_op} first, then {min}/{max}.
RANGE_BETWEEN = "Doit être {min_op} {{min}} et {max_op} {{max}}."
RANGE_MIN = "Doit être {min_op} {{min}}."
RANGE_MAX = "Doit être {max_op} {{max}}."
RANGE_GT = "strictement supérieur à"
RANGE_GTE = "supérieur ou égal à"
RANGE_LT = "strictement inférieur à"
RANGE_LTE = "inférieur ou égal à"
ONE_OF = "Valeur non reconnue ; valeurs admises : {choices}."
PATTERN = "Format invalide."
SLUG_PATTERN = "Seulement des lettres minuscules sans accent, des chiffres et des tirets."
SIRET_PATTERN = "Un SIRET compte 14 chiffres."
FINESS_PATTERN = "Un numéro FINESS compte 9 caractères (chiffres, A ou B)."
POSTCODE_PATTERN = "Un code postal compte 5 chiffres."
INSEE_PATTERN = "Un code INSEE de commune compte 5 caractères (ex. 88413)."
TERRITORY_CODE_PATTERN = "Code officiel invalide."
FACT_DATE_PATTERN = "Date attendue sous la forme AAAA, AAAA-MM ou AAAA-MM-JJ (ex. 2015-04-19)."

NUL_IN_TEXT = "Le texte contient un caractère nul (\\0), qui n'est pas admis."

# request limits (directory.core.limits)
NUL_CHARACTER = (
    "La requête contient un caractère nul (%00), qui n'est admis ni dans une adresse ni dans un "
    "formulaire : rien n'a été enregistré."
)
QUERY_TOO_LONG = "L'adresse demandée est trop longue."
QUERY_VALUE_TOO_LONG = "Une valeur de l'adresse dépasse {max} caractères."
PAGE_OUT_OF_RANGE = "Numéro de page invalide : entre 1 et {max}."
SEARCH_TOO_LONG = "{max} caractères au plus pour les mots-clés."

# fiche rules
AGE_ORDER = "L'âge minimum dépasse l'âge maximum."
UNKNOWN_CODE = "Code inconnu du référentiel « {referentiel} » : {code}."
UNKNOWN_TYPE = "Type de dispositif inconnu : {code}."
UNKNOWN_TERRITORY = "Territoire inconnu de la géographie du Grand Est : {niveau} {code}."
UNKNOWN_COMMUNE = "Commune inconnue de la géographie du Grand Est : {code}."
UNKNOWN_LINKED_FICHE = "Fiche liée inconnue : {slug}."
SELF_LINK = "Une fiche ne peut pas être liée à elle-même."
DUPLICATE_SLUG = "Ce slug est déjà pris par une autre fiche du fichier : {slug}."
DUPLICATE_VALUE = "Valeur en double : {value}."
NATIONAL_FRAME_NOT_FILLED = "« {field} » est marqué « selon le cadre national » mais il est vide."

# import and seed
RECORD_LABEL = "Fiche n° {index} ({name})"
FIELD_ERROR = "{record} — champ « {field} » : {message}"
RECORD_ERROR = "{record} : {message}"
FILE_UNREADABLE = "Fichier illisible : {reason}"
FILE_TOO_DEEP = "Fichier refusé : le JSON est imbriqué trop profondément pour être une fiche."
FILE_NOT_A_LIST = (
    "Le fichier doit contenir une liste de fiches, ou un objet avec une clé « fiches »."
)
IMPORT_REFUSED = "{count} erreur(s) : rien n'a été écrit."
IMPORT_DRY_RUN = (
    "Essai à blanc : {created} fiche(s) à créer, {updated} à modifier, "
    "{unchanged} inchangée(s). Relancez avec --apply pour écrire."
)
IMPORT_APPLIED = "{created} fiche(s) créée(s), {updated} modifiée(s), {unchanged} inchangée(s)."
SEED_LOADED = (
    "Jeu de données réel : {created} fiche(s) créée(s), {updated} modifiée(s), "
    "{unchanged} inchangée(s), {kept} laissée(s) telle(s) (modifiée(s) depuis dans l'annuaire) ; "
    "{hidden} non publiée(s)."
)
SEED_NOT_PUBLISHED = "  Non publiée — {name} ({statut}) : {reason}"
SEED_KEPT = "  Laissée telle quelle — {slug} : modifiée depuis par « {actor} »."
SEED_REASON_MISSING = (
    "Fiche « {slug} » non publiée sans raison : ajoutez-la dans « non_publiees » de fiches.json."
)
REFERENTIELS_LOADED = "Référentiels chargés : {types} types, {values} valeurs."
DEMO_DONE = "{count} fiche(s) fictive(s) générée(s)."
DEMO_PROGRESS = "Génération des fiches fictives"
NO_GEOGRAPHY = "Chargez d'abord la géographie : flask territoires load"
NO_REFERENTIELS = "Chargez d'abord les référentiels : flask referentiels load"

# stale overwrite
STALE_FICHE = (
    "Cette fiche a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte : "
    "rien n'a été écrit."
)

# --- operations: database availability, backup and restore ---
DATABASE_UNAVAILABLE = (
    "L'annuaire ne peut pas joindre sa base de données pour le moment : rien n'a été "
    "enregistré. Réessayez dans quelques instants (le bouton « Retour » du navigateur retrouve "
    "votre saisie)."
)
BACKUP_WRITTEN = (
    "Sauvegarde écrite : {path} ({rows} lignes de {tables} tables, schéma {revision}). "
    "Elle contient les comptes (mots de passe chiffrés) : gardez-la en lieu sûr."
)
BACKUP_EXISTS = "Le fichier {path} existe déjà : choisissez un autre nom."
RESTORE_NOT_AN_ARCHIVE = "{path} n'est pas une sauvegarde de l'annuaire (flask backup)."
RESTORE_FORMAT_UNKNOWN = (
    "Format de sauvegarde {version} inconnu de cette version de l'annuaire : rien n'a été écrit."
)
RESTORE_REVISION_UNKNOWN = (
    "La sauvegarde vient d'une version du schéma ({revision}) que cette version de l'annuaire "
    "ne sait pas migrer : installez la version qui l'a écrite, ou une plus récente. "
    "Rien n'a été écrit."
)
RESTORE_DATABASE_AHEAD = (
    "La base est au schéma {current}, qui ne précède pas celui de la sauvegarde ({revision}) : "
    "restaurez dans une base neuve. Rien n'a été écrit."
)
RESTORE_NOT_EMPTY = (
    "La base n'est pas vide (table {table}) : restaurez dans une base neuve. Rien n'a été écrit."
)
RESTORE_DONE = (
    "Sauvegarde chargée : {rows} lignes dans {tables} tables (schéma {revision}), base mise à "
    "jour et index de recherche reconstruit."
)
RESTORE_VERSIONS_DIFFER = (
    "Les référentiels de la sauvegarde ({saved}) diffèrent de ceux de cette version : "
    "lancez flask referentiels load."
)

# Labels of the standard's fields, as users read them (history, sources, completeness).
FIELD_LABELS = {
    "nom": "nom",
    "sigle": "sigle",
    "type": "type",
    "statut": "statut",
    "porteurs": "porteurs",
    "financeurs": "financeurs",
    "identifiants": "identifiants",
    "annee_creation": "année de création",
    "texte_de_reference": "texte de référence",
    "resume": "résumé",
    "missions": "missions",
    "prestations": "prestations",
    "niveau_de_recours": "niveau de recours",
    "age_min": "âge minimum",
    "age_max": "âge maximum",
    "publics": "publics",
    "situations": "situations",
    "conditions_acces": "conditions d'accès",
    "qui_peut_saisir": "qui peut saisir",
    "notification_mdph_requise": "notification MDPH requise",
    "modalites_saisine": "modalités de saisine",
    "lien_saisine": "formulaire de saisine",
    "documents_requis": "documents à fournir",
    "gratuit": "gratuité",
    "gratuit_precisions": "précisions sur le coût",
    "territoire": "territoire",
    "modes_intervention": "modes d'intervention",
    "adresse": "adresse",
    "latitude": "latitude",
    "longitude": "longitude",
    "horaires": "horaires",
    "acceslibre_url": "fiche acceslibre",
    "sites": "autres lieux d'accueil",
    "telephone": "téléphone",
    "courriel": "courriel",
    "site_web": "site web",
    "contacts": "interlocuteurs",
    "equipe": "équipe",
    "liens": "liens avec d'autres dispositifs",
    "sources": "sources",
    "cadre_national": "textes du cadre national",
    "frequence_verification": "fréquence de vérification",
    "fictive": "fiche fictive",
}

# --- accounts: sign-in, invitations, passwords, permissions, admin ---
FORBIDDEN = "Vous n'avez pas les droits nécessaires pour cette action."
LOGIN_REQUIRED = "Connectez-vous pour accéder à cette page."
LOGIN_INVALID = "Adresse électronique ou mot de passe incorrect."
LOGIN_WELCOME = "Vous êtes connecté·e."
LOGGED_OUT = "Vous êtes déconnecté·e."
TOKEN_INVALID = "Ce lien n'est pas valide. Demandez un nouveau lien."  # noqa: S105 - a French message, not a secret
TOKEN_EXPIRED = "Ce lien a expiré. Demandez un nouveau lien."  # noqa: S105 - a French message, not a secret
TOKEN_USED = "Ce lien a déjà été utilisé. Connectez-vous, ou demandez un nouveau lien."  # noqa: S105 - a French message, not a secret
PASSWORD_TOO_SHORT = "Le mot de passe doit compter au moins {min} caractères."  # noqa: S105 - a French message, not a secret
PASSWORD_MISMATCH = "Les deux mots de passe ne sont pas identiques."  # noqa: S105 - a French message, not a secret
PASSWORD_SET = "Votre mot de passe est enregistré."  # noqa: S105 - a French message, not a secret
PASSWORD_WRONG = "Mot de passe actuel incorrect."  # noqa: S105 - a French message, not a secret
RESET_SENT = (
    "Si un compte existe pour cette adresse, un courriel vient de lui être envoyé "
    "avec un lien pour choisir un nouveau mot de passe."
)
INVITATION_ACCEPTED = "Bienvenue ! Votre compte est créé : voici les fiches de votre organisation."
INVITATION_SENT = "Invitation envoyée à {email}."
EMAIL_TAKEN = "Un compte existe déjà pour cette adresse."
ORGANISATION_REQUIRED = "Choisissez une organisation existante ou donnez le nom d'une nouvelle."
ACCOUNT_SAVED = "Votre compte est enregistré."
USER_SAVED = "Le compte de {email} est enregistré."
MEMBERSHIP_ADDED = "{email} est désormais éditeur de « {organisation} »."
MEMBERSHIP_REMOVED = "{email} n'est plus éditeur de « {organisation} »."
CANNOT_DEMOTE_SELF = "Vous ne pouvez pas retirer votre propre rôle d'administrateur."
ADMIN_CREATED = "Compte administrateur créé : {email}"
USER_EXISTS = "Un compte existe déjà pour {email}."
REMINDERS_SENT = "{count} rappel(s) envoyé(s)."
SITE_URL_MISSING = (
    "Adresse du site non configurée (DIRECTORY_SITE_URL) : aucun courriel contenant un lien "
    "n'est envoyé. Prévenez l'administrateur de l'annuaire."
)
SITE_URL_INVALID = "Adresse du site invalide (DIRECTORY_SITE_URL) : {url}"
PRODUCTION_HOSTS_MISSING = (
    "En production, définissez l'adresse publique du site (DIRECTORY_SITE_URL) "
    "et, si besoin, les hôtes acceptés (DIRECTORY_TRUSTED_HOSTS)."
)
SECRET_KEY_MISSING = (
    "En production, DIRECTORY_SECRET_KEY doit être une vraie clé secrète d'au moins {length} "  # noqa: S105 - a French message
    "caractères, par exemple : python3 -c 'import secrets; print(secrets.token_hex(32))'"
)
SECRET_KEY_EMPTY = "La clé secrète (DIRECTORY_SECRET_KEY) est vide : l'application ne démarre pas."  # noqa: S105 - a French message, not a secret
PROXY_COUNT_INVALID = (
    "DIRECTORY_PROXY_COUNT doit être le nombre (0, 1, 2…) de serveurs mandataires placés devant "
    "l'application ; valeur reçue : {value}"
)
VIA_INVITATION = "invitation à tenir la fiche"
MAIL_INVITATION_SUBJECT = "Invitation à tenir votre fiche dans l'annuaire des dispositifs"
MAIL_RESET_SUBJECT = "Choisir un nouveau mot de passe"
MAIL_REMINDER_SUBJECT = "Votre fiche « {name} » est à vérifier"
EMAIL_TAKEN_HINT = (
    "Un compte existe déjà pour cette adresse : "
    "ajoutez-lui l'organisation depuis la page Utilisateurs."
)
AUDIT_ACTIONS = {
    "login": "Connexion",
    "login_failed": "Échec de connexion",
    "logout": "Déconnexion",
    "invitation_sent": "Invitation envoyée",
    "invitation_accepted": "Invitation acceptée",
    "password_reset_requested": "Demande de nouveau mot de passe",
    "password_reset": "Nouveau mot de passe (lien)",
    "password_changed": "Mot de passe modifié",
    "user_changed": "Rôle ou état du compte modifié",
    "membership_added": "Rattachement à une organisation",
    "membership_removed": "Retrait d'une organisation",
    "organisation_created": "Organisation créée",
    "admin_created": "Administrateur créé",
    "reminder_sent": "Rappel de vérification envoyé",
    "fiche_created": "Fiche créée",
    "fiche_updated": "Fiche modifiée",
    "fiche_published": "Fiche publiée",
    "fiche_archived": "Fiche archivée",
    "fiche_restored": "Fiche restaurée",
    "fiche_verified": "Fiche confirmée à jour",
    "fiche_version_restored": "Version restaurée",
}

# --- editing: fiche form, lifecycle, history, concurrent edits ---
PERSONAL_DATA_REMOVED = "donnée personnelle supprimée"
DECLARED_SOURCE = "Déclaré par le service le {date}"
FICHE_CREATED = "La fiche « {name} » est créée (brouillon)."
FICHE_SAVED = "Modifications enregistrées."
FICHE_UNCHANGED = "Aucune modification : rien n'a été enregistré."
FICHE_PUBLISHED = "La fiche est publiée."
FICHE_ARCHIVED = "La fiche est archivée : elle n'apparaît plus dans l'annuaire."
FICHE_RESTORED = "La fiche est restaurée."
FICHE_VERIFIED = "Merci : la fiche est confirmée à jour le {date}."
VERSION_RESTORED = "La version du {date} est restaurée."
VERSION_INVALID = "Cette version ne peut plus être restaurée ({errors}) : modifiez la fiche."
STATUS_NOT_ALLOWED = "Cette action n'est pas possible pour une fiche « {statut} »."
PORTEUR_REQUIRED = "Gardez au moins une de vos organisations parmi les porteurs."
ORGANISATION_NOT_ALLOWED = "Choisissez une organisation dont vous êtes éditeur."
COMMUNE_NOT_FOUND = "Aucune commune ne correspond à « {text} »."
COMMUNE_AMBIGUOUS = "Plusieurs communes correspondent à « {text} » : {candidates}. Précisez."
EPCI_NOT_FOUND = "Aucun EPCI ne correspond à « {text} »."
EPCI_AMBIGUOUS = "Plusieurs EPCI correspondent à « {text} » : {candidates}. Précisez."
STATUS_LABELS = {"brouillon": "brouillon", "publiee": "publiée", "archivee": "archivée"}

# --- search: full-text search, index commands ---
SEARCH_INVALID = "Certains filtres de la recherche sont invalides."
SEARCH_INDEX_CURRENT = "L'index de recherche est à jour : rien à reconstruire."
SEARCH_INDEX_BUILT = "Index de recherche reconstruit : {count} fiche(s) publiée(s) indexée(s)."
SEARCH_PENDING_WRITTEN = "{count} modification(s) du journal appliquée(s) à l'index."
SEARCH_INDEX_BUSY = (
    "L'index de recherche est en cours d'écriture par un autre processus : réessayez."
)
SEARCH_LOG_PRUNED = "{count} entrée(s) ancienne(s) du journal de recherche oubliée(s)."

# --- proposals: open datasets, visitors' reports, review ---
PROPOSAL_VIA = "proposition n° {id} ({source})"
PROPOSAL_ACCEPTED = "Proposition acceptée : la fiche est modifiée."
PROPOSAL_CLOSED = "Proposition traitée."
PROPOSAL_REJECTED = "Proposition refusée : la fiche n'a pas changé."
PROPOSAL_ALREADY_CLOSED = "Cette proposition a déjà été traitée."
PROPOSAL_INVALID = (
    "Cette proposition ne respecte pas le standard ({errors}) : modifiez la fiche vous-même."
)
PROPOSAL_STALE = (
    "La fiche a été modifiée depuis l'ouverture de cette page : rien n'a été écrit. "
    "Relisez la proposition et recommencez."
)
PROPOSAL_ERASED = "Données personnelles du signalement effacées ({rows} ligne(s) d'historique)."
REPORT_THANKS = (
    "Merci : votre signalement est transmis aux personnes qui tiennent cette fiche. "
    "Rien n'est modifié avant leur relecture."
)
REPORT_TEXT_REQUIRED = "Dites ce qui est inexact ou ce qu'il faudrait écrire."
REPORT_TEXT_TOO_LONG = "2 000 caractères au plus."
MAIL_DIGEST_SUBJECT = "{count} proposition(s) de modification à examiner"
DIGEST_SENT = "{count} courriel(s) de propositions envoyé(s)."

# --- imports of open datasets: FINESS, Annuaire de l'administration ---
DATASET_DRAFT_SUMMARY = (
    "{type} ({acronym}) {place} : {facts}{when}. "
    "Brouillon à compléter et à faire confirmer par le service."
)
DATASET_AS_OF = ", données du {date}"
DATASET_NO_COMMUNE = "en Grand Est (commune non renseignée)"
DATASET_DUPLICATE = (
    "« {name} » ({origin} {ref}, {place}) porte le même nom normalisé que cette fiche, sans "
    "identifiant commun : un brouillon a été créé ({slug}). S'il s'agit du même dispositif, "
    "archivez le brouillon et reportez ici ce qui manque ; sinon, refusez cette proposition."
)
DATASET_ROW_ERROR = "Ligne {ref} ({name}) — champ « {field} » : {msg}"
DATASET_NO_NAME = "sans nom"
FINESS_REFUSED = "Fichier FINESS refusé ({count} erreur(s)) : rien n'a été écrit."
FINESS_NO_METADATA = (
    "Ce fichier n'est pas une extraction FINESS : la première ligne doit être "
    "« finess;etalab;<version>;<date> » (fichier etalab-cs1100507-stock-<date>.csv)."
)
FINESS_NOT_CP1252 = "Ligne {line} : caractères illisibles en Windows-1252 ({reason})."
FINESS_UNKNOWN_SECTION = (
    "Ligne {line} : type de ligne inconnu « {section} » (attendu : structureet ou geolocalisation)."
)
FINESS_COLUMNS = "Ligne {line} : {found} colonne(s) au lieu de {expected}."
FINESS_PROGRESS = "Lecture du fichier FINESS"
FINESS_FACTS = "établissement n° {number} du FINESS, catégorie « {category} »"
FINESS_DATASET = "FINESS (extraction du fichier des établissements)"
ANNUAIRE_DATASET = "Annuaire de l'administration (DILA)"
ANNUAIRE_REFUSED = "Fichier de l'Annuaire refusé ({count} erreur(s)) : rien n'a été écrit."
ANNUAIRE_NOT_JSON = (
    "Ce fichier n'est pas un fichier de l'Annuaire de l'administration : il faut le JSON de la "
    "« Base de données locales » (objet « service », liste d'enregistrements, ou archive .tar.bz2)."
)
ANNUAIRE_NO_JSON_IN_ARCHIVE = "L'archive ne contient aucun fichier .json."
ANNUAIRE_UNREADABLE = "Fichier illisible : {reason}"
ANNUAIRE_PROGRESS = "Lecture du fichier de l'Annuaire"
ANNUAIRE_NO_HOURS = "horaires non précisés"
ANNUAIRE_FACTS = "fiche {ref} de l'Annuaire de l'administration"
DATASET_HEADER = (
    "{dataset}{when} : {read} enregistrement(s) lu(s), {kept} retenu(s) "
    "(Grand Est, types du référentiel)."
)
DATASET_TO_CREATE = "Brouillons à créer : {n}"
DATASET_CREATED = "Brouillons créés : {n}"
DATASET_DRAFT_LINE = "  - « {name} » ({ref}) → brouillon « {slug} », {place}{dropped}"
DATASET_DROPPED = " ; écarté (refusé par le standard ou inconnu de la géographie) : {keys}"
DATASET_TO_PROPOSE = "Propositions à faire : {fields} champ(s) sur {fiches} fiche(s)"
DATASET_PROPOSED = "Propositions faites : {fields} champ(s) sur {fiches} fiche(s)"
DATASET_PROPOSAL_LINE = "  - {slug} ← {ref} ({how}) : {keys}"
DATASET_HOW_IDENTIFIER = "même identifiant"
DATASET_HOW_NAME = "même type, même commune, même nom normalisé"
DATASET_DUPLICATES = "Doublons possibles (même type et même nom normalisé, sans identifiant) : {n}"
DATASET_DUPLICATE_LINE = (
    "  - « {name} » ({ref}) ressemble à {slugs} : brouillon créé à part, proposition "
    "« doublon possible » sur la fiche existante, jamais de fusion"
)
DATASET_UNCHANGED = "Fiches déjà à jour (rien à proposer) : {n}"
DATASET_ARCHIVED = "Fiches archivées, laissées de côté : {n}"
DATASET_ARCHIVED_LINE = "  - {slug} ← {ref}"
DATASET_WRITTEN = (
    "Écrit : {drafts} brouillon(s) et {n} proposition(s). Rien n'est publié : les brouillons "
    "et les propositions attendent une relecture."
)
DATASET_DRY_RUN = (
    "Essai à blanc : rien n'a été écrit. Relancez avec --apply pour écrire les brouillons et "
    "les propositions."
)
DATASET_REFUSED = "{count} erreur(s) : rien n'a été écrit."
DATASET_WRITE_FAILED = "Écriture impossible ({reason}) : tout a été annulé, rien n'a été écrit."
