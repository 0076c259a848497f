"""French text of the demo fiches: a small grammar over the vocabulary in seed/.

The vocabulary (`seed/demo-vocabulaire.json`) lists lemmas by semantic class, most common first;
this module inflects them (plurals, feminines, conjugations), puts articles and prepositions in
front (le, l', du, aux…), and fills sentence templates. Picks follow Zipf's law by list rank, so
the texts have a few frequent words and a long tail, as real descriptions do.

Template slots: `{gn:CLASS}` noun phrase (any article), `{gnd:…}` definite, `{gni:…}` indefinite,
`{gnp:…}` definite plural, `{gnb:…}` bare, `{dgn:…}`/`{dgni:…}`/`{agn:…}` after « de »/« à »,
`{n:…}`/`{np:…}` bare noun, `{dn:…}` « de » + bare noun, `{enum:…}` 2 to 4 bare nouns; a class
may end in `.s` or `.p` (number) and `!` (the phrase becomes the subject). Verbs: `{v:…}` 3rd
person singular, `{vp:…}` plural, `{inf:…}`, `{ppr:…}`, `{pp:…}` past participle agreeing with
the last noun phrase, `{a:WORD}` agreeing with the subject. Also `{q:CLASS}`, `{adv}`, `{co}`,
`{int:A-B}` and `[a|b|c]`; any other `{name}` comes from the fiche's context.
"""

import json
import re
from bisect import bisect
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from random import Random

from directory.fiches.referentiels import PROJECT_ROOT

VOCABULARY_PATH = PROJECT_ROOT / "seed" / "demo-vocabulaire.json"
VOWELS = frozenset("aàâäeéèêëiîïoôöuùûüyœæ")
ZIPF_EXPONENT = 0.8
# Per class: chances of an adjective, of a « de » complement (and its class), of a plural.
NP_SHAPES = {
    "actions": (0.4, 0.45, "domaines", 0.3),
    "domaines": (0.15, 0.0, None, 0.0),
    "personnes": (0.25, 0.0, None, 0.8),
    "partenaires": (0.2, 0.0, None, 0.6),
    "outils": (0.35, 0.0, None, 0.3),
    "troubles": (0.35, 0.0, None, 0.25),
    "lieux": (0.2, 0.0, None, 0.3),
    "ville": (0.25, 0.0, None, 0.1),
    "equipements": (0.2, 0.0, None, 0.2),
    "valeurs": (0.0, 0.0, None, 0.0),
    "quotidien": (0.0, 0.0, None, 0.4),
    "difficultes": (0.35, 0.3, "personnes", 0.4),
}
SLOT_RE = re.compile(r"\{(\w+)(?::([^}]+))?\}")
CHOICE_RE = re.compile(r"\[([^\[\]]*)\]")
STEM_CHANGE_RE = re.compile(r"[eé]([bcdfgjkmnpqstvz][rl]?|[lr])$")
ELISION_RE = re.compile(r"\b([dD]e|[qQ]ue|[jJ]usque) (?=(\w+))")


# --- Morphology ----------------------------------------------------------------------------


def pluralize(word: str) -> str:
    """Return the plural of one French word (regular rules)."""
    if word.endswith(("s", "x", "z")):
        return word
    if word.endswith("al"):
        return word[:-2] + "aux"
    if word.endswith(("eau", "au", "eu")):
        return word + "x"
    return word + "s"


def _feminine_word(word: str) -> str:
    for ending, replacement in (
        ("eux", "euse"),
        ("if", "ive"),
        ("el", "elle"),
        ("en", "enne"),
        ("on", "onne"),
        ("er", "ère"),
        ("et", "ète"),
        ("c", "que"),
    ):
        if word.endswith(ending):
            return word[: -len(ending)] + replacement
    return word if word.endswith("e") else word + "e"


def adjective_forms(entry: str) -> tuple[str, str, str, str]:
    """Return (masc. sing., fem. sing., masc. plural, fem. plural) of an adjective entry."""
    if "/" in entry:
        return tuple(entry.split("/"))
    head, _, last = entry.rpartition("-")
    prefix = head + "-" if head else ""
    feminine = prefix + _feminine_word(last)
    return entry, feminine, prefix + pluralize(last), feminine + "s"


def agree(forms: tuple[str, str, str, str], gender: str, plural: bool) -> str:
    """Pick the form of an adjective for a gender ("m"/"f") and a number."""
    return forms[(gender == "f") + 2 * plural]


def participle_forms(participle: str) -> tuple[str, str, str, str]:
    """Inflect the first word of a past participle ("mis en œuvre" → "mises en œuvre")."""
    word, _, rest = participle.partition(" ")
    tail = " " + rest if rest else ""
    plural = word if word.endswith("s") else word + "s"
    return (word + tail, word + "e" + tail, plural + tail, word + "es" + tail)


@dataclass(frozen=True)
class Noun:
    singular: str
    plural: str
    gender: str

    @classmethod
    def parse(cls, entry: str) -> "Noun":
        """Read "lemme/genre" or "lemme/genre/pluriel" (compounds inflect their first word)."""
        parts = entry.split("/")
        first, _, rest = parts[0].partition(" ")
        plural = parts[2] if len(parts) > 2 else " ".join(filter(None, [pluralize(first), rest]))
        return cls(parts[0], plural, parts[1])

    def form(self, plural: bool) -> str:
        return self.plural if plural else self.singular


@dataclass(frozen=True)
class Verb:
    infinitive: str
    present: str
    present_plural: str
    participle: str
    gerund: str
    future: str

    @classmethod
    def parse(cls, entry: str) -> "Verb":
        """Read an infinitive (regular -er or, with "/ir2", -ir verbs) or all six forms."""
        parts = entry.split("/")
        if len(parts) == 6:
            return cls(*parts)
        inf = parts[0]
        stem = inf[:-2]
        if parts[-1] == "ir2":
            return cls(inf, stem + "it", stem + "issent", stem + "i", stem + "issant", inf + "a")
        present = stem
        if stem.endswith("y"):
            present = stem[:-1] + "i"
        elif STEM_CHANGE_RE.search(stem):  # mener → mène, compléter → complète
            present = STEM_CHANGE_RE.sub(r"è\1", stem)
        gerund = stem + ("e" if stem.endswith("g") else "") + "ant"
        gerund = gerund.replace("cant", "çant") if stem.endswith("c") else gerund
        future_stem = present if "è" in present and "é" not in stem else stem
        future = (stem[:-1] + "ie" if stem.endswith("y") else future_stem + "e") + "ra"
        return cls(inf, present + "e", present + "ent", stem + "é", gerund, future)


# --- Vocabulary ----------------------------------------------------------------------------


class Choices:
    """A list of items picked with Zipf weights by rank."""

    def __init__(self, items):
        self.items = list(dict.fromkeys(items))
        self.cumulative = list(
            accumulate(1 / (r + 1) ** ZIPF_EXPONENT for r in range(len(self.items)))
        )

    def pick(self, rng: Random):
        return self.items[bisect(self.cumulative, rng.random() * self.cumulative[-1])]

    def sample(self, rng: Random, k: int) -> list:
        picked = []
        for _ in range(8 * k):
            item = self.pick(rng)
            if item not in picked:
                picked.append(item)
            if len(picked) == k:
                break
        return picked


@dataclass(frozen=True)
class Vocabulary:
    data: dict
    nouns: dict[str, Choices]
    adjectives: dict[str, Choices]
    verbs: dict[str, Choices]
    qualifiers: dict[str, Choices]
    adverbs: Choices
    connectors: Choices
    aspirated: frozenset


@cache
def vocabulary() -> Vocabulary:
    """Load and inflect the vocabulary file once."""
    data = json.loads(VOCABULARY_PATH.read_text(encoding="utf-8"))
    return Vocabulary(
        data=data,
        nouns={k: Choices(map(Noun.parse, v)) for k, v in data["noms"].items()},
        adjectives={k: Choices(map(adjective_forms, v)) for k, v in data["adjectifs"].items()},
        verbs={
            k: Choices(v if k == "passif" else map(Verb.parse, v))
            for k, v in data["verbes"].items()
        },
        qualifiers={k: Choices(v) for k, v in data["qualificatifs"].items()},
        adverbs=Choices(data["adverbes"]),
        connectors=Choices(data["connecteurs"]),
        aspirated=frozenset(data["h_aspire"]),
    )


def elides(word: str, aspirated=frozenset()) -> bool:
    """Tell whether an article or « de » before this word elides (l', d')."""
    first = word.split(" ")[0].lower()
    return bool(first) and (first[0] in VOWELS or (first[0] == "h" and first not in aspirated))


def de_place(name: str) -> str:
    """« de » before a place name: du Thillot, des Rouges-Eaux, d'Épinal, de Metz."""
    for article, contracted in (("Le ", "du "), ("Les ", "des ")):
        if name.startswith(article):
            return contracted + name[len(article) :]
    return ("d'" if elides(name) else "de ") + name


def a_place(name: str) -> str:
    """« à » before a place name: au Thillot, aux Forges, à Épinal."""
    for article, contracted in (("Le ", "au "), ("Les ", "aux ")):
        if name.startswith(article):
            return contracted + name[len(article) :]
    return "à " + name


# --- Grammar -------------------------------------------------------------------------------

ARTICLES = {  # (preposition, definite?, plural) → masc., fem., masc. elided, fem. elided
    ("", True, False): ("le ", "la ", "l'", "l'"),
    ("", True, True): ("les ",) * 4,
    ("", False, False): ("un ", "une ", "un ", "une "),
    ("", False, True): ("des ",) * 4,
    ("de", True, False): ("du ", "de la ", "de l'", "de l'"),
    ("de", True, True): ("des ",) * 4,
    ("de", False, False): ("d'un ", "d'une ", "d'un ", "d'une "),
    ("de", False, True): ("de ", "de ", "d'", "d'"),
    ("à", True, False): ("au ", "à la ", "à l'", "à l'"),
    ("à", True, True): ("aux ",) * 4,
    ("à", False, False): ("à un ", "à une ", "à un ", "à une "),
    ("à", False, True): ("à des ",) * 4,
}
NP_SLOTS = {  # slot → (preposition, definite: True/False/None for either, plural override)
    "gn": ("", None, None),
    "gnd": ("", True, None),
    "gni": ("", False, None),
    "gnp": ("", True, True),
    "dgn": ("de", True, None),
    "dgni": ("de", False, None),
    "agn": ("à", True, None),
}


class Writer:
    """Fill templates for one fiche, with its random generator and context."""

    def __init__(self, rng: Random, context: dict):
        self.rng = rng
        self.vocab = vocabulary()
        self.context = context
        self.last = self.subject = ("m", False)

    def article(self, text: str, gender: str, plural: bool, preposition="", definite=True) -> str:
        forms = ARTICLES[(preposition, definite, plural)]
        index = 2 * elides(text, self.vocab.aspirated) + (gender == "f")
        return forms[index] + text

    def noun_phrase(self, cls: str, plural: bool | None = None, bare=False) -> tuple:
        """Return (text, gender, plural) of a noun phrase without article."""
        p_adj, p_comp, comp_cls, p_plural = NP_SHAPES.get(cls, (0, 0, None, 0.3))
        noun = self.vocab.nouns[cls].pick(self.rng)
        plural = (self.rng.random() < p_plural) if plural is None else plural
        parts = [noun.form(plural)]
        if cls in self.vocab.adjectives and self.rng.random() < p_adj:
            parts.append(agree(self.vocab.adjectives[cls].pick(self.rng), noun.gender, plural))
        if comp_cls and not bare and self.rng.random() < p_comp:
            text, gender, comp_plural = self.noun_phrase(comp_cls, bare=True)
            parts.append(self.article(text, gender, comp_plural, "de"))
        return " ".join(parts), noun.gender, plural

    def slot(self, name: str, arg: str | None) -> str:
        rng, vocab = self.rng, self.vocab
        cls, number, is_subject = "", None, False
        if arg:
            is_subject = arg.endswith("!")
            cls, _, suffix = arg.rstrip("!").partition(".")
            number = {"s": False, "p": True}.get(suffix)
        if name in NP_SLOTS:
            preposition, definite, plural = NP_SLOTS[name]
            text, gender, plural = self.noun_phrase(cls, plural if plural is not None else number)
            definite = rng.random() < 0.6 if definite is None else definite
            self.last = (gender, plural)
            if is_subject:
                self.subject = self.last
            return self.article(text, gender, plural, preposition, definite)
        if name == "enum":
            nouns = vocab.nouns[cls].sample(rng, rng.randint(2, 4))
            forms = [noun.form(number is not False) for noun in nouns]
            return " et ".join([", ".join(forms[:-1]), forms[-1]])
        if name in ("n", "np", "dn", "gnb"):
            plural = name == "np" if number is None else number
            if name == "gnb":
                return self.noun_phrase(cls, plural)[0]
            text = vocab.nouns[cls].pick(rng).form(plural)
            if name == "dn":
                return ("d'" if elides(text, vocab.aspirated) else "de ") + text
            return text
        if name in ("v", "vp", "inf", "ppr"):
            verb = vocab.verbs[cls].pick(rng)
            return getattr(
                verb,
                {"v": "present", "vp": "present_plural", "inf": "infinitive", "ppr": "gerund"}[
                    name
                ],
            )
        if name == "pp":
            verb = vocab.verbs[cls].pick(rng)
            participle = verb if isinstance(verb, str) else verb.participle
            return agree(participle_forms(participle), *self.last)
        if name == "a":
            return agree(participle_forms(cls), *self.subject)
        if name == "q":
            return vocab.qualifiers[cls].pick(rng)
        if name == "adv":
            return vocab.adverbs.pick(rng)
        if name == "co":
            return vocab.connectors.pick(rng)
        if name == "int":
            low, high = map(int, cls.split("-"))
            return str(rng.randint(low, high))
        if name == "sujet":
            gender, text = rng.choice(self.context["sujet"])
            self.last = self.subject = (gender, False)
            return text
        value = self.context[name]
        return value(self) if callable(value) else value

    def fill(self, template: str) -> str:
        """Fill the choices and slots of a template (a part of a sentence)."""
        text = CHOICE_RE.sub(lambda match: self.rng.choice(match.group(1).split("|")), template)
        return SLOT_RE.sub(lambda match: self.slot(match.group(1), match.group(2)), text)

    def render(self, template: str) -> str:
        """Fill a template and return one or more well-formed sentences."""
        text = ELISION_RE.sub(self._elide, " ".join(self.fill(template).split()))
        text = text.replace(" ,", ",").replace(" .", ".")
        return text[:1].upper() + text[1:]

    def _elide(self, match) -> str:
        word, following = match.group(1), match.group(2)
        return word[:-1] + "'" if elides(following, self.vocab.aspirated) else word + " "


WORD_RE = re.compile(r"[^\W\d_]+")


def words(text: str) -> list[str]:
    """Split a text into lower-case words (letters only; « l'accueil » gives l and accueil)."""
    return WORD_RE.findall(text.lower())
