"""The bilingual English-French lexicon behind the project's own translation set.

Plain data, written for this project: every entry carries the English and French
forms that :mod:`seq2seq_lib.grammar` needs, so the grammar never guesses a form.

Tags say what a word may combine with. A noun *matches* a tag when the tag is its
``kind`` (``person``, ``animal``, ``food``...), one of its ``tags`` or its English
word itself; adjectives and verbs list the tags of the nouns they accept. ``loc`` is
the kind of landmark a noun is when it follows a preposition of place (see
:data:`LOCATION_RULES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


def _french_plural(word: str) -> str:
    """The regular French plural: add -s unless the word already ends in -s, -x or -z."""
    return word if word.endswith(("s", "x", "z")) else word + "s"


@dataclass(frozen=True)
class Noun:
    en: str
    en_pl: str
    fr: str
    fr_pl: str
    gender: str  # "m" or "f" (grammatical gender in French)
    kind: str  # person, animal, food, drink, object, vehicle, furniture, place, abstract, time
    tags: frozenset[str]
    loc: str | None = None  # landmark kind after a preposition of place
    mass: bool = False  # uncountable: "water" -> "de l'eau"


def noun(en, fr, gender, kind, tags="", en_pl=None, fr_pl=None, loc=None, mass=False) -> Noun:
    """Build a :class:`Noun`; plurals default to English ``+s`` and the regular French rule."""
    return Noun(en, en_pl or en + "s", fr, fr_pl or _french_plural(fr), gender, kind,
                frozenset(tags.split()), loc, mass)


NOUNS: tuple[Noun, ...] = (
    # people: "male"/"female" say which English pronoun (he/she) refers back to them
    noun("man", "homme", "m", "person", "male adult", en_pl="men"),
    noun("woman", "femme", "f", "person", "female adult", en_pl="women"),
    noun("boy", "garçon", "m", "person", "male young"),
    noun("girl", "fille", "f", "person", "female young"),
    noun("child", "enfant", "m", "person", "young", en_pl="children"),
    noun("baby", "bébé", "m", "person", "", en_pl="babies"),
    noun("father", "père", "m", "person", "male adult family"),
    noun("mother", "mère", "f", "person", "female adult family"),
    noun("brother", "frère", "m", "person", "male family"),
    noun("sister", "sœur", "f", "person", "female family"),
    noun("uncle", "oncle", "m", "person", "male adult family"),
    noun("aunt", "tante", "f", "person", "female adult family"),
    noun("grandfather", "grand-père", "m", "person", "male adult family", fr_pl="grands-pères"),
    noun("grandmother", "grand-mère", "f", "person", "female adult family", fr_pl="grands-mères"),
    noun("king", "roi", "m", "person", "male adult"),
    noun("queen", "reine", "f", "person", "female adult"),
    noun("prince", "prince", "m", "person", "male young", en_pl="princes"),
    noun("princess", "princesse", "f", "person", "female young", en_pl="princesses"),
    noun("doctor", "médecin", "m", "person", "adult job quality"),
    noun("teacher", "professeur", "m", "person", "adult job quality"),
    noun("policeman", "policier", "m", "person", "male adult job", en_pl="policemen"),
    noun("waiter", "serveur", "m", "person", "male adult job"),
    noun("waitress", "serveuse", "f", "person", "female adult job", en_pl="waitresses"),
    noun("actor", "acteur", "m", "person", "male adult job"),
    noun("actress", "actrice", "f", "person", "female adult job", en_pl="actresses"),
    noun("lady", "dame", "f", "person", "female adult", en_pl="ladies"),
    noun("gentleman", "monsieur", "m", "person", "male adult", en_pl="gentlemen", fr_pl="messieurs"),
    noun("soldier", "soldat", "m", "person", "adult job"),
    # animals: pet/livestock/wild say where they live; small ones fit in boxes and on tables
    noun("cat", "chat", "m", "animal", "pet small climber fur legs"),
    noun("dog", "chien", "m", "animal", "pet fur swimmer legs"),
    noun("bird", "oiseau", "m", "animal", "pet small flyer colourful legs", fr_pl="oiseaux"),
    noun("horse", "cheval", "m", "animal", "livestock fur legs", fr_pl="chevaux"),
    noun("cow", "vache", "f", "animal", "livestock fur legs"),
    noun("mouse", "souris", "f", "animal", "pet small fur legs", en_pl="mice"),
    noun("rabbit", "lapin", "m", "animal", "pet small fur legs"),
    noun("fish", "poisson", "m", "animal", "pet small swimmer colourful", en_pl="fish"),
    noun("sheep", "mouton", "m", "animal", "livestock fur legs", en_pl="sheep"),
    noun("duck", "canard", "m", "animal", "livestock swimmer legs"),
    noun("hen", "poule", "f", "animal", "livestock legs"),
    noun("pig", "cochon", "m", "animal", "livestock legs"),
    noun("goat", "chèvre", "f", "animal", "livestock fur legs"),
    noun("donkey", "âne", "m", "animal", "livestock fur legs"),
    noun("elephant", "éléphant", "m", "animal", "wild legs"),
    noun("lion", "lion", "m", "animal", "wild legs"),
    noun("tiger", "tigre", "m", "animal", "wild legs"),
    noun("bear", "ours", "m", "animal", "wild fur legs"),
    noun("wolf", "loup", "m", "animal", "wild fur legs", en_pl="wolves"),
    noun("fox", "renard", "m", "animal", "wild fur legs", en_pl="foxes"),
    noun("monkey", "singe", "m", "animal", "wild climber legs"),
    noun("giraffe", "girafe", "f", "animal", "wild legs"),
    noun("snake", "serpent", "m", "animal", "wild small"),
    noun("frog", "grenouille", "f", "animal", "wild small swimmer legs"),
    noun("turtle", "tortue", "f", "animal", "pet small swimmer legs"),
    noun("owl", "hibou", "m", "animal", "wild small flyer", fr_pl="hiboux"),  # h aspiré: "le hibou"
    noun("butterfly", "papillon", "m", "animal", "wild small flyer colourful", en_pl="butterflies"),
    noun("bee", "abeille", "f", "animal", "wild small flyer"),
    noun("spider", "araignée", "f", "animal", "wild small"),
    noun("squirrel", "écureuil", "m", "animal", "wild small climber fur legs"),
    # food that can be counted
    noun("apple", "pomme", "f", "food", "fruit"),
    noun("orange", "orange", "f", "food", "fruit"),
    noun("banana", "banane", "f", "food", "fruit"),
    noun("pear", "poire", "f", "food", "fruit"),
    noun("cherry", "cerise", "f", "food", "fruit", en_pl="cherries"),
    noun("peach", "pêche", "f", "food", "fruit", en_pl="peaches"),
    noun("strawberry", "fraise", "f", "food", "fruit", en_pl="strawberries"),
    noun("lemon", "citron", "m", "food", "fruit human"),
    noun("tomato", "tomate", "f", "food", "fruit human", en_pl="tomatoes"),
    noun("carrot", "carotte", "f", "food", ""),
    noun("onion", "oignon", "m", "food", "human"),
    noun("egg", "œuf", "m", "food", ""),
    noun("cake", "gâteau", "m", "food", "dish sweet hot human", fr_pl="gâteaux"),
    noun("pie", "tarte", "f", "food", "dish sweet hot human"),
    noun("pizza", "pizza", "f", "food", "dish hot human"),
    noun("sandwich", "sandwich", "m", "food", "dish human", en_pl="sandwiches"),
    noun("salad", "salade", "f", "food", "dish human"),
    noun("sausage", "saucisse", "f", "food", "hot human"),
    noun("biscuit", "biscuit", "m", "food", "sweet human"),
    noun("croissant", "croissant", "m", "food", "hot human"),
    noun("ice cream", "glace", "f", "food", "sweet human"),
    # food and drink that cannot be counted: "bread" -> "du pain"
    noun("bread", "pain", "m", "food", "hot", mass=True),
    noun("rice", "riz", "m", "food", "hot", mass=True),
    noun("cheese", "fromage", "m", "food", "", mass=True),
    noun("meat", "viande", "f", "food", "hot", mass=True),
    noun("chocolate", "chocolat", "m", "food", "sweet human", mass=True),
    noun("sugar", "sucre", "m", "food", "human", mass=True),
    noun("butter", "beurre", "m", "food", "human", mass=True),
    noun("soup", "soupe", "f", "food", "dish hot human", mass=True),
    noun("jam", "confiture", "f", "food", "sweet human", mass=True),
    noun("honey", "miel", "m", "food", "human", mass=True),
    noun("water", "eau", "f", "drink", "hot", mass=True),
    noun("milk", "lait", "m", "drink", "hot", mass=True),
    noun("coffee", "café", "m", "drink", "hot human", mass=True),
    noun("tea", "thé", "m", "drink", "hot human", mass=True),
    noun("juice", "jus", "m", "drink", "sweet human", mass=True),
    noun("wine", "vin", "m", "drink", "human", mass=True),
    noun("beer", "bière", "f", "drink", "human", mass=True),
    noun("lemonade", "limonade", "f", "drink", "sweet human", mass=True),
    # objects
    noun("book", "livre", "m", "object", "portable text openable quality colourful"),
    noun("letter", "lettre", "f", "object", "portable text openable lengthy mail"),
    noun("newspaper", "journal", "m", "object", "portable readable", fr_pl="journaux"),
    noun("magazine", "magazine", "m", "object", "portable readable"),
    noun("map", "carte", "f", "object", "portable readable"),
    noun("key", "clé", "f", "object", "portable"),
    noun("bag", "sac", "m", "object", "portable openable colourful container", loc="box"),
    noun("box", "boîte", "f", "object", "portable openable colourful container", en_pl="boxes", loc="box"),
    noun("ball", "balle", "f", "object", "portable toy colourful"),
    noun("toy", "jouet", "m", "object", "portable toy breakable"),
    noun("doll", "poupée", "f", "object", "portable toy"),
    noun("cup", "tasse", "f", "object", "portable dishware breakable colourful container", loc="vessel"),
    noun("glass", "verre", "m", "object", "portable dishware breakable container", en_pl="glasses", loc="vessel"),
    noun("bottle", "bouteille", "f", "object", "portable openable breakable container", loc="vessel"),
    noun("bowl", "bol", "m", "object", "portable dishware breakable container", loc="bowl"),
    noun("plate", "assiette", "f", "object", "portable dishware breakable"),
    noun("knife", "couteau", "m", "object", "portable dishware", en_pl="knives", fr_pl="couteaux"),
    noun("fork", "fourchette", "f", "object", "portable dishware"),
    noun("spoon", "cuillère", "f", "object", "portable dishware"),
    noun("phone", "téléphone", "m", "object", "portable breakable"),
    noun("computer", "ordinateur", "m", "object", "portable breakable modern"),
    noun("watch", "montre", "f", "object", "portable breakable", en_pl="watches"),
    noun("pen", "stylo", "m", "object", "portable colourful"),
    noun("pencil", "crayon", "m", "object", "portable colourful"),
    noun("umbrella", "parapluie", "m", "object", "portable colourful"),
    noun("hat", "chapeau", "m", "object", "portable clothing colourful", fr_pl="chapeaux"),
    noun("coat", "manteau", "m", "object", "portable clothing colourful lengthy", fr_pl="manteaux"),
    noun("dress", "robe", "f", "object", "portable clothing colourful lengthy", en_pl="dresses"),
    noun("shirt", "chemise", "f", "object", "portable clothing colourful"),
    noun("shoe", "chaussure", "f", "object", "portable clothing colourful"),
    noun("scarf", "écharpe", "f", "object", "portable clothing colourful lengthy", en_pl="scarves"),
    noun("ticket", "billet", "m", "object", "portable"),
    noun("photo", "photo", "f", "object", "portable wallthing mail"),
    noun("painting", "tableau", "m", "object", "wallthing quality", fr_pl="tableaux"),
    noun("clock", "horloge", "f", "object", "wallthing breakable"),
    noun("mirror", "miroir", "m", "object", "wallthing breakable"),
    noun("gift", "cadeau", "m", "object", "portable openable mail", fr_pl="cadeaux"),
    noun("lamp", "lampe", "f", "object", "portable breakable modern"),
    noun("flower", "fleur", "f", "object", "portable colourful"),
    # furniture and parts of a house
    noun("table", "table", "f", "furniture", "heavy", loc="table"),
    noun("shelf", "étagère", "f", "furniture", "", en_pl="shelves", loc="table"),
    noun("chair", "chaise", "f", "furniture", "colourful seat", loc="seat"),
    noun("sofa", "canapé", "m", "furniture", "colourful seat", loc="seat"),
    noun("bed", "lit", "m", "furniture", "seat", loc="seat"),
    noun("bench", "banc", "m", "furniture", "seat", en_pl="benches", loc="seat"),
    noun("cupboard", "placard", "m", "furniture", "openable container", loc="cupboard"),
    noun("fridge", "réfrigérateur", "m", "furniture", "openable container modern", loc="fridge"),
    noun("door", "porte", "f", "furniture", "openable colourful", loc="door"),
    noun("window", "fenêtre", "f", "furniture", "openable breakable", loc="door"),
    noun("wall", "mur", "m", "furniture", "colourful", loc="wall"),
    noun("floor", "sol", "m", "furniture", "unique", loc="floor"),
    noun("tree", "arbre", "m", "place", "drawable", loc="tree"),
    noun("grass", "herbe", "f", "place", "unique", loc="floor", mass=True),
    # vehicles
    noun("car", "voiture", "f", "vehicle", "colourful drivable", loc="vehicle"),
    noun("bike", "vélo", "m", "vehicle", "colourful"),
    noun("bus", "bus", "m", "vehicle", "transport drivable", en_pl="buses", loc="vehicle"),
    noun("train", "train", "m", "vehicle", "transport", loc="vehicle"),
    noun("boat", "bateau", "m", "vehicle", "transport", fr_pl="bateaux", loc="vehicle"),
    noun("plane", "avion", "m", "vehicle", "transport flyer", loc="vehicle"),
    noun("truck", "camion", "m", "vehicle", "colourful drivable", loc="vehicle"),
    # places; "destination" ones can follow "go to"
    noun("park", "parc", "m", "place", "destination", loc="outdoor"),
    noun("garden", "jardin", "m", "place", "destination", loc="outdoor"),
    noun("field", "champ", "m", "place", "", loc="outdoor"),
    noun("forest", "forêt", "f", "place", "dark", loc="outdoor"),
    noun("street", "rue", "f", "place", "lengthy dark", loc="outdoor"),
    noun("city", "ville", "f", "place", "visitable", en_pl="cities", loc="outdoor"),
    noun("village", "village", "m", "place", "destination visitable", loc="outdoor"),
    noun("beach", "plage", "f", "place", "destination", en_pl="beaches", loc="beach"),
    noun("house", "maison", "f", "place", "building sellable drawable", loc="building"),
    noun("school", "école", "f", "place", "building destination", loc="building"),
    noun("station", "gare", "f", "place", "building destination", loc="building"),
    noun("museum", "musée", "m", "place", "building destination visitable openable", loc="building"),
    noun("library", "bibliothèque", "f", "place", "building destination openable", en_pl="libraries",
         loc="building"),
    noun("cinema", "cinéma", "m", "place", "building destination", loc="building"),
    noun("theatre", "théâtre", "m", "place", "building destination", loc="building"),
    noun("restaurant", "restaurant", "m", "place", "building destination openable quality", loc="building"),
    noun("hotel", "hôtel", "m", "place", "building destination quality", loc="building"),
    noun("hospital", "hôpital", "m", "place", "building destination", fr_pl="hôpitaux", loc="building"),
    noun("church", "église", "f", "place", "building destination visitable", en_pl="churches", loc="building"),
    noun("bank", "banque", "f", "place", "building destination openable", loc="building"),
    noun("shop", "magasin", "m", "place", "building destination openable", loc="building"),
    noun("market", "marché", "m", "place", "destination", loc="outdoor"),
    noun("supermarket", "supermarché", "m", "place", "building destination openable", loc="building"),
    noun("bakery", "boulangerie", "f", "place", "building destination openable", en_pl="bakeries",
         loc="building"),
    noun("office", "bureau", "m", "place", "building destination", fr_pl="bureaux", loc="building"),
    noun("airport", "aéroport", "m", "place", "building destination", loc="building"),
    noun("castle", "château", "m", "place", "building destination visitable drawable", fr_pl="châteaux",
         loc="building"),
    noun("farm", "ferme", "f", "place", "destination visitable"),
    noun("zoo", "zoo", "m", "place", "destination visitable"),
    noun("island", "île", "f", "place", "visitable"),
    noun("kitchen", "cuisine", "f", "place", "room", loc="room"),
    noun("bedroom", "chambre", "f", "place", "room dark", loc="room"),
    noun("swimming pool", "piscine", "f", "place", "destination", loc="water"),
    noun("lake", "lac", "m", "place", "destination", loc="water"),
    noun("river", "rivière", "f", "place", "lengthy", loc="water"),
    noun("sea", "mer", "f", "place", "destination unique", loc="water"),
    noun("bridge", "pont", "m", "place", "lengthy drawable", loc="bridge"),
    # things one reads, hears, learns or watches
    noun("story", "histoire", "f", "abstract", "text quality lengthy", en_pl="stories"),
    noun("poem", "poème", "m", "abstract", "text quality lengthy"),
    noun("message", "message", "m", "abstract", "text lengthy mail"),
    noun("word", "mot", "m", "abstract", "text"),
    noun("sentence", "phrase", "f", "abstract", "text lengthy"),
    noun("question", "question", "f", "abstract", ""),
    noun("lesson", "leçon", "f", "abstract", "lengthy"),
    noun("song", "chanson", "f", "abstract", "tune quality"),
    noun("film", "film", "m", "abstract", "quality lengthy"),
    noun("radio", "radio", "f", "object", "tune"),
    noun("music", "musique", "f", "abstract", "tune", mass=True),
    # time words (used by the time expressions below)
    noun("day", "jour", "m", "time"),
    noun("week", "semaine", "f", "time"),
    noun("month", "mois", "m", "time"),
    noun("year", "année", "f", "time"),
    noun("morning", "matin", "m", "time"),
    noun("evening", "soir", "m", "time"),
    noun("night", "nuit", "f", "time"),
    noun("Monday", "lundi", "m", "time", "weekday"),
    noun("Tuesday", "mardi", "m", "time", "weekday"),
    noun("Wednesday", "mercredi", "m", "time", "weekday"),
    noun("Thursday", "jeudi", "m", "time", "weekday"),
    noun("Friday", "vendredi", "m", "time", "weekday"),
    noun("Saturday", "samedi", "m", "time", "weekday"),
    noun("Sunday", "dimanche", "m", "time", "weekday"),
)


@dataclass(frozen=True)
class Adjective:
    en: str
    forms: tuple[str, str, str, str]  # masculine singular, feminine singular, masculine plural, feminine plural
    before: bool  # placed before the noun ("un petit chien"); most go after ("une voiture rouge")
    tags: frozenset[str]  # the nouns it describes
    use: str = "both"  # "attr" (only inside a noun phrase), "pred" (only after "to be") or "both"
    ms_vowel: str | None = None  # masculine singular before a vowel: "un bel arbre", "un vieil homme"
    state: bool = False  # a passing state ("tired", "open"), which a time adverb may qualify


def adjective(en, ms, tags, fs=None, mp=None, fp=None, before=False, use="both", ms_vowel=None,
              state=False) -> Adjective:
    """Build an :class:`Adjective`; the feminine adds -e (unless it ends in -e), plurals add -s (unless -s/-x)."""
    fs = fs or (ms if ms.endswith("e") else ms + "e")
    return Adjective(en, (ms, fs, mp or _french_plural(ms), fp or fs + "s"), before, frozenset(tags.split()),
                     use, ms_vowel, state)


_ANIMATE = "person animal"
_CHARACTER = "adult young animal"  # character traits: not said of a baby
_COLOURED = "colourful vehicle"
ADJECTIVES: tuple[Adjective, ...] = (
    # the few that go before the noun
    adjective("small", "petit", "young animal object vehicle furniture building outdoor fruit cake pie pizza",
              before=True),
    adjective("big", "grand", "animal vehicle furniture building outdoor tree", before=True),
    adjective("beautiful", "beau", "woman girl lady queen princess actress man boy king prince actor animal object "
              "vehicle building outdoor beach tree", fs="belle",
              mp="beaux", before=True, ms_vowel="bel"),
    adjective("pretty", "joli", "female young colourful flower building outdoor beach", before=True),
    adjective("good", "bon", "food drink quality", fs="bonne", before=True),
    adjective("bad", "mauvais", "food drink quality", before=True),
    adjective("young", "jeune", "adult young animal", before=True),
    adjective("old", "vieux", "adult animal object vehicle furniture building outdoor tree", fs="vieille",
              before=True, ms_vowel="vieil"),
    adjective("new", "nouveau", "job object vehicle furniture building", fs="nouvelle", mp="nouveaux",
              before=True, use="attr", ms_vowel="nouvel"),
    adjective("long", "long", "lengthy", fs="longue", before=True),
    # colours
    adjective("red", "rouge", _COLOURED),
    adjective("blue", "bleu", _COLOURED),
    adjective("green", "vert", _COLOURED + " frog"),
    adjective("yellow", "jaune", _COLOURED),
    adjective("pink", "rose", _COLOURED),
    adjective("purple", "violet", _COLOURED, fs="violette"),
    adjective("black", "noir", _COLOURED + " fur"),
    adjective("white", "blanc", _COLOURED + " fur", fs="blanche"),
    adjective("grey", "gris", _COLOURED + " fur", fs="grise"),
    adjective("brown", "marron", _COLOURED + " fur", fs="marron", mp="marron", fp="marron"),  # invariable
    # people and animals
    adjective("tired", "fatigué", _ANIMATE, state=True),
    adjective("happy", "heureux", _ANIMATE, fs="heureuse", state=True),
    adjective("sad", "triste", _ANIMATE, state=True),
    adjective("sick", "malade", _ANIMATE, state=True),
    adjective("angry", "fâché", _ANIMATE, state=True),
    adjective("busy", "occupé", "adult", state=True),
    adjective("ready", "prêt", "person", use="pred", state=True),
    adjective("kind", "gentil", _CHARACTER, fs="gentille", use="pred"),
    adjective("intelligent", "intelligent", _CHARACTER),
    adjective("polite", "poli", "adult young"),
    adjective("lazy", "paresseux", _CHARACTER, fs="paresseuse"),
    adjective("curious", "curieux", _CHARACTER, fs="curieuse"),
    adjective("brave", "courageux", "adult young", fs="courageuse"),
    adjective("strong", "fort", _CHARACTER),
    adjective("funny", "drôle", "person film story"),
    adjective("famous", "célèbre", "adult building painting song film"),
    adjective("rich", "riche", "adult"),
    adjective("calm", "calme", "person animal outdoor", state=True),
    adjective("noisy", "bruyant", "young animal outdoor restaurant"),
    adjective("nervous", "nerveux", _ANIMATE, fs="nerveuse", state=True),
    # things
    adjective("expensive", "cher", "object vehicle restaurant hotel", fs="chère"),
    adjective("heavy", "lourd", "portable heavy"),
    adjective("light", "léger", "portable", fs="légère"),
    adjective("clean", "propre", "dishware clothing vehicle room building", state=True),
    adjective("dirty", "sale", "dishware clothing vehicle room building", state=True),
    adjective("empty", "vide", "container building room transport", state=True),
    adjective("full", "plein", "container restaurant transport", state=True),
    adjective("broken", "cassé", "breakable toy"),
    adjective("open", "ouvert", "openable", state=True),
    adjective("closed", "fermé", "openable", state=True),
    adjective("modern", "moderne", "modern building vehicle"),
    adjective("comfortable", "confortable", "seat hotel shoe"),
    adjective("dark", "sombre", "dark"),
    # food and drink
    adjective("fresh", "frais", "food water milk juice", fs="fraîche", mp="frais"),
    adjective("delicious", "délicieux", "food drink", fs="délicieuse"),
    adjective("sweet", "sucré", "fruit sweet coffee tea"),
    adjective("ripe", "mûr", "fruit"),
    adjective("hot", "chaud", "hot", state=True),
    adjective("cold", "froid", "hot drink", state=True),
    adjective("bitter", "amer", "coffee tea beer chocolate lemon", fs="amère"),
)


@dataclass(frozen=True)
class Verb:
    key: str  # how the grammar names it; the English base form unless two senses share it
    en: tuple[str, str, str, str]  # base, third person singular, past, past participle
    fr: str  # infinitive
    aux: str = "avoir"  # auxiliary of the passé composé: "avoir" or "être"
    present: tuple[str, ...] | None = None  # je, tu, il, nous, vous, ils; None for a regular -er/-ir/-re verb
    participle: str | None = None  # None for a regular one (-é, -i, -u)
    subjects: frozenset[str] = frozenset({"person"})
    objects: frozenset[str] = frozenset()  # tags of its direct objects; empty for a verb without one
    intransitive: bool = True  # may stand without an object
    bare: str | None = None  # an English object without article: "partitive" (du, des) or "generic" (le, les)
    dets: tuple[str, ...] = ("the", "a", "bare", "number")  # determiners its object may take
    where: frozenset[str] = frozenset()  # landmark kinds of an optional place ("sleeps under the tree")
    preps: frozenset[str] | None = None  # allowed prepositions of place (None: any the landmark allows)
    destination: str | None = None  # preposition key of its destination ("go to", "arrive at")
    needs_destination: bool = False
    companions: frozenset[str] = frozenset()  # tags of who/what may come after "with"
    manner: tuple[str, ...] = ()  # manner adverbs it takes
    voluntary: bool = True  # may follow "want to", "must"
    skill: bool = False  # "can swim" means "sait nager": never generated after "can"
    tenses: tuple[str, ...] = ("present", "past", "future")
    stative: bool = False  # English simple past -> imparfait (be, have)
    imperfect: tuple[str, ...] | None = None  # the imparfait, for the stative verbs


def verb(key, en, fr, **kw) -> Verb:
    """Build a :class:`Verb`; ``en`` is "base third past participle" and tag fields are space-separated."""
    for name in ("subjects", "objects", "where", "companions"):
        if name in kw:
            kw[name] = frozenset(kw[name].split())
    if "preps" in kw:
        kw["preps"] = frozenset(kw["preps"].split())
    for name in ("present", "imperfect", "manner", "dets"):
        if isinstance(kw.get(name), str):
            kw[name] = tuple(kw[name].split())
    return Verb(key, tuple(en.split("|")), fr, **kw)


_INDOORS_OUTDOORS = "building room outdoor"
ANIMAL_OBJECTS = frozenset({"animal", "person", "food", "drink", "toy", "dishware"})  # what an animal may act on
VERBS: tuple[Verb, ...] = (
    verb("be", "be|is|was|been", "être", present="suis es est sommes êtes sont", participle="été", stative=True,
         imperfect="étais étais était étions étiez étaient"),
    verb("have", "have|has|had|had", "avoir", present="ai as a avons avez ont", participle="eu", stative=True,
         imperfect="avais avais avait avions aviez avaient", objects="pet family portable vehicle",
         intransitive=False, bare="partitive", dets="a bare number", voluntary=False),
    # with an object
    verb("eat", "eat|eats|ate|eaten", "manger", subjects="person legs", objects="food", bare="partitive",
         where=_INDOORS_OUTDOORS + " beach seat tree", preps="in on under", companions="person",
         manner="slowly quickly"),
    verb("drink", "drink|drinks|drank|drunk", "boire", present="bois bois boit buvons buvez boivent",
         participle="bu", subjects="person legs", objects="drink", bare="partitive", where="building room",
         preps="in", manner="slowly quickly"),
    verb("read", "read|reads|read|read", "lire", present="lis lis lit lisons lisez lisent", participle="lu",
         objects="text readable", bare="partitive", where=_INDOORS_OUTDOORS + " seat beach tree vehicle",
         preps="in on under", manner="a_lot well slowly quickly", skill=True),
    verb("write", "write|writes|wrote|written", "écrire", present="écris écris écrit écrivons écrivez écrivent",
         participle="écrit", objects="text", bare="partitive", where="building room", preps="in", manner="a_lot well",
         skill=True),
    verb("see", "see|sees|saw|seen", "voir", present="vois vois voit voyons voyez voient", participle="vu",
         subjects=_ANIMATE, objects="person animal portable vehicle building", intransitive=False,
         bare="partitive"),
    verb("watch", "watch|watches|watched|watched", "regarder", objects="animal transport film",
         intransitive=False, bare="partitive"),
    verb("hear", "hear|hears|heard|heard", "entendre", subjects=_ANIMATE, objects="person animal transport tune",
         intransitive=False, bare="partitive"),
    verb("like", "like|likes|liked|liked", "aimer", objects="food drink animal tune film flower",
         intransitive=False, bare="generic", dets="the bare", voluntary=False),
    verb("love", "love|loves|loved|loved", "adorer", objects="food drink animal tune film flower",
         intransitive=False, bare="generic", dets="the bare", voluntary=False),
    verb("hate", "hate|hates|hated|hated", "détester", objects="food drink animal tune film",
         intransitive=False, bare="generic", dets="the bare", voluntary=False),
    verb("buy", "buy|buys|bought|bought", "acheter", present="achète achètes achète achetons achetez achètent",
         objects="food drink portable vehicle", intransitive=False, bare="partitive"),
    verb("take", "take|takes|took|taken", "prendre", present="prends prends prend prenons prenez prennent",
         participle="pris", objects="portable transport", intransitive=False),
    verb("find", "find|finds|found|found", "trouver", subjects=_ANIMATE, objects="portable animal",
         intransitive=False),
    verb("look for", "look for|looks for|looked for|looked for", "chercher", subjects=_ANIMATE,
         objects="portable animal person", intransitive=False),
    verb("lose", "lose|loses|lost|lost", "perdre", objects="portable", intransitive=False),
    verb("sell", "sell|sells|sold|sold", "vendre", objects="food portable vehicle sellable",
         intransitive=False, bare="partitive"),
    verb("open", "open|opens|opened|opened", "ouvrir", present="ouvre ouvres ouvre ouvrons ouvrez ouvrent",
         participle="ouvert", objects="openable", intransitive=False),
    verb("close", "close|closes|closed|closed", "fermer", objects="openable", intransitive=False),
    verb("wash", "wash|washes|washed|washed", "laver", objects="dishware clothing car bike dog cat",
         intransitive=False),
    verb("clean", "clean|cleans|cleaned|cleaned", "nettoyer",
         present="nettoie nettoies nettoie nettoyons nettoyez nettoient", objects="room house car bike truck furniture",
         intransitive=False),
    verb("prepare", "prepare|prepares|prepared|prepared", "préparer", objects="dish coffee tea",
         intransitive=False, bare="partitive"),
    verb("make", "make|makes|made|made", "faire", present="fais fais fait faisons faites font",
         participle="fait", objects="dish coffee tea", intransitive=False, bare="partitive"),
    verb("carry", "carry|carries|carried|carried", "porter", objects="portable baby", intransitive=False),
    verb("wear", "wear|wears|wore|worn", "porter", objects="clothing", intransitive=False),
    verb("visit", "visit|visits|visited|visited", "visiter", objects="visitable", intransitive=False),
    verb("leave_place", "leave|leaves|left|left", "quitter", objects="building outdoor", intransitive=False,
         dets="the"),
    verb("wait for", "wait for|waits for|waited for|waited for", "attendre", subjects=_ANIMATE,
         objects="person transport", intransitive=False),
    verb("call", "call|calls|called|called", "appeler", present="appelle appelles appelle appelons appelez appellent",
         objects="person pet", intransitive=False),
    verb("help", "help|helps|helped|helped", "aider", objects="person", intransitive=False),
    verb("listen to", "listen to|listens to|listened to|listened to", "écouter", objects="tune person",
         intransitive=False, bare="partitive"),
    verb("finish", "finish|finishes|finished|finished", "finir", objects="text dish lesson", intransitive=False),
    verb("choose", "choose|chooses|chose|chosen", "choisir", objects="clothing gift book cake pie",
         intransitive=False),
    verb("understand", "understand|understands|understood|understood", "comprendre",
         present="comprends comprends comprend comprenons comprenez comprennent", participle="compris",
         objects="question lesson sentence word story teacher", intransitive=False, dets=("the",)),
    verb("learn", "learn|learns|learned|learned", "apprendre",
         present="apprends apprends apprend apprenons apprenez apprennent", participle="appris",
         objects="song poem lesson word sentence", intransitive=False, bare="partitive"),
    verb("draw", "draw|draws|drew|drawn", "dessiner", objects="animal drawable flower vehicle",
         intransitive=False, bare="partitive"),
    verb("drive", "drive|drives|drove|driven", "conduire",
         present="conduis conduis conduit conduisons conduisez conduisent", participle="conduit",
         objects="drivable", intransitive=False, skill=True),
    verb("forget", "forget|forgets|forgot|forgotten", "oublier", objects="portable", intransitive=False),
    verb("send", "send|sends|sent|sent", "envoyer", present="envoie envoies envoie envoyons envoyez envoient",
         objects="mail", intransitive=False, bare="partitive"),
    verb("receive", "receive|receives|received|received", "recevoir",
         present="reçois reçois reçoit recevons recevez reçoivent", participle="reçu", objects="mail",
         intransitive=False, bare="partitive"),
    verb("meet", "meet|meets|met|met", "rencontrer", objects="person", intransitive=False),
    verb("break", "break|breaks|broke|broken", "casser", subjects=_ANIMATE, objects="breakable",
         intransitive=False, voluntary=False),
    verb("catch", "catch|catches|caught|caught", "attraper", subjects="person cat dog fox owl",
         objects="ball mouse fish bird", intransitive=False),
    verb("follow", "follow|follows|followed|followed", "suivre", present="suis suis suit suivons suivez suivent",
         participle="suivi", subjects=_ANIMATE, objects="person animal", intransitive=False),
    verb("know", "know|knows|knew|known", "connaître",
         present="connais connais connaît connaissons connaissez connaissent", participle="connu",
         objects="person city village", intransitive=False, tenses=("present",)),
    verb("bring", "bring|brings|brought|brought", "apporter", objects="food drink portable", intransitive=False,
         bare="partitive"),
    verb("fill", "fill|fills|filled|filled", "remplir", objects="container", intransitive=False),
    verb("sing", "sing|sings|sang|sung", "chanter", subjects="person bird", objects="song", bare="partitive",
         where=_INDOORS_OUTDOORS, preps="in", manner="well a_lot",
         skill=True),
    # without an object
    verb("sleep", "sleep|sleeps|slept|slept", "dormir", present="dors dors dort dormons dormez dorment",
         participle="dormi", subjects=_ANIMATE, where=_INDOORS_OUTDOORS + " seat tree vehicle beach",
         preps="in on under", manner="well a_lot"),
    verb("work", "work|works|worked|worked", "travailler", where=_INDOORS_OUTDOORS, companions="person",
         manner="well a_lot quickly slowly"),
    verb("play", "play|plays|played|played", "jouer", subjects="person legs", where="outdoor room beach tree",
         companions="person pet toy", manner="well a_lot"),
    verb("walk", "walk|walks|walked|walked", "marcher", subjects="person legs", where="outdoor beach",
         preps="in on", companions="person pet", manner="quickly slowly a_lot"),
    verb("run", "run|runs|ran|run", "courir", present="cours cours court courons courez courent",
         participle="couru", subjects="person legs", where="outdoor beach", preps="in on", companions="person pet",
         manner="quickly slowly a_lot"),
    verb("swim", "swim|swims|swam|swum", "nager", subjects="person swimmer", where="water", preps="in",
         companions="person pet", manner="well quickly slowly", skill=True),
    verb("dance", "dance|dances|danced|danced", "danser", where=_INDOORS_OUTDOORS + " beach", preps="in on",
         companions="person", manner="well a_lot", skill=True),
    verb("cry", "cry|cries|cried|cried", "pleurer", subjects="person", manner="a_lot", voluntary=False),
    verb("laugh", "laugh|laughs|laughed|laughed", "rire", present="ris ris rit rions riez rient", participle="ri",
         manner="a_lot", voluntary=False),
    verb("smile", "smile|smiles|smiled|smiled", "sourire", present="souris souris sourit sourions souriez sourient",
         participle="souri", voluntary=False),
    verb("study", "study|studies|studied|studied", "étudier", where="building room", preps="in",
         companions="person", manner="well a_lot"),
    verb("travel", "travel|travels|travelled|travelled", "voyager", companions="person", manner="a_lot"),
    verb("cook", "cook|cooks|cooked|cooked", "cuisiner", where="room", manner="well a_lot", skill=True),
    verb("shout", "shout|shouts|shouted|shouted", "crier", manner="a_lot"),
    verb("jump", "jump|jumps|jumped|jumped", "sauter", subjects="person legs", where="outdoor beach seat",
         preps="in on"),
    verb("fly", "fly|flies|flew|flown", "voler", subjects="flyer", manner="quickly slowly"),
    verb("wait", "wait|waits|waited|waited", "attendre", subjects=_ANIMATE, where="building outdoor tree wall"),
    # passé composé with être
    verb("go", "go|goes|went|gone", "aller", aux="être", present="vais vas va allons allez vont", participle="allé",
         intransitive=False, destination="to", needs_destination=True),
    verb("come", "come|comes|came|come", "venir", aux="être", present="viens viens vient venons venez viennent",
         participle="venu", subjects="person dog cat", destination="to"),
    verb("come back", "come back|comes back|came back|come back", "revenir", aux="être",
         present="reviens reviens revient revenons revenez reviennent", participle="revenu",
         subjects="person dog cat bird"),
    verb("arrive", "arrive|arrives|arrived|arrived", "arriver", aux="être", subjects="person transport",
         destination="at"),
    verb("leave", "leave|leaves|left|left", "partir", aux="être", present="pars pars part partons partez partent",
         participle="parti", subjects="person transport"),
    verb("go out", "go out|goes out|went out|gone out", "sortir", aux="être",
         present="sors sors sort sortons sortez sortent", participle="sorti", subjects="person dog cat"),
    verb("come in", "come in|comes in|came in|come in", "entrer", aux="être", subjects="person dog cat"),
    verb("go into", "go|goes|went|gone", "entrer", aux="être", intransitive=False,
         destination="into", needs_destination=True),
    verb("fall", "fall|falls|fell|fallen", "tomber", aux="être", subjects="person animal portable fruit",
         voluntary=False, tenses=("past", "future")),
    verb("stay", "stay|stays|stayed|stayed", "rester", aux="être", subjects=_ANIMATE, intransitive=False,
         where=_INDOORS_OUTDOORS, preps="in"),
)


@dataclass(frozen=True)
class Modal:
    """A verb followed by an infinitive: "wants to sleep" -> "veut dormir" (present tense only)."""

    key: str
    en: tuple[str, str]  # with "I"/"you"..., with he/she/it
    fr: str
    present: tuple[str, ...]
    auxiliary: bool  # an English modal auxiliary ("can", "must") rather than a verb with do-support
    en_negative: str = ""  # the auxiliary's negative ("cannot")


MODALS: tuple[Modal, ...] = (
    Modal("want", ("want to", "wants to"), "vouloir", ("veux", "veux", "veut", "voulons", "voulez", "veulent"), False),
    Modal("like to", ("like to", "likes to"), "aimer", ("aime", "aimes", "aime", "aimons", "aimez", "aiment"), False),
    Modal("can", ("can", "can"), "pouvoir", ("peux", "peux", "peut", "pouvons", "pouvez", "peuvent"), True, "cannot"),
    Modal("must", ("must", "must"), "devoir", ("dois", "dois", "doit", "devons", "devez", "doivent"), True, "must not"),
)


@dataclass(frozen=True)
class Pronoun:
    en: str
    fr: str
    person: int  # index of the French conjugation: 0 je, 1 tu, 2 il/elle, 3 nous, 4 vous, 5 ils/elles
    gender: str  # agreement of adjectives and participles ("m" when the English gives no cue)
    plural: bool


PRONOUNS: tuple[Pronoun, ...] = (
    Pronoun("I", "je", 0, "m", False),
    Pronoun("you", "tu", 1, "m", False),
    Pronoun("he", "il", 2, "m", False),
    Pronoun("she", "elle", 2, "f", False),
    Pronoun("we", "nous", 3, "m", True),
    Pronoun("you all", "vous", 4, "m", True),
    Pronoun("they", "ils", 5, "m", True),
    Pronoun("they", "elles", 5, "f", True),  # only when the sentence names its feminine antecedent
)


@dataclass(frozen=True)
class Preposition:
    key: str
    en: str
    fr: str  # "près de" ends in "de": "près du lit", "près de l'arbre"


PREPOSITIONS: tuple[Preposition, ...] = (
    Preposition("in", "in", "dans"),
    Preposition("on", "on", "sur"),
    Preposition("under", "under", "sous"),
    Preposition("near", "near", "près de"),
    Preposition("behind", "behind", "derrière"),
    Preposition("in front of", "in front of", "devant"),
    Preposition("next to", "next to", "à côté de"),
    Preposition("far from", "far from", "loin de"),
    Preposition("with", "with", "avec"),
    Preposition("to", "to", "à"),
    Preposition("at", "at", "à"),
    Preposition("into", "into", "dans"),
)

# landmark kind -> preposition -> tags of what may be there ("the cup is on the table")
LOCATION_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "box": {"in": ("small", "key", "toy", "pen", "pencil", "phone", "ticket", "photo", "fruit")},
    "vessel": {"in": ("drink",)},
    "bowl": {"in": ("soup", "fruit", "rice", "milk", "water")},
    "cupboard": {"in": ("dishware", "food", "clothing", "toy")},
    "fridge": {"in": ("food", "drink"), "near": ("person", "pet"), "next to": ("person", "pet")},
    "table": {"on": ("portable", "food", "small"), "under": ("pet", "toy", "ball"),
              "near": ("person", "pet"), "next to": ("person", "pet")},
    "seat": {"on": ("person", "pet", "portable"), "under": ("small", "toy", "ball", "shoe"),
             "near": ("person", "pet", "portable"), "next to": ("person", "pet", "portable")},
    "floor": {"on": ("person", "pet", "portable", "fruit")},
    "wall": {"on": ("wallthing",), "near": ("person", "pet", "furniture"), "behind": ("person", "pet"),
             "in front of": ("person", "pet", "vehicle"), "next to": ("person", "pet", "furniture")},
    "door": {"near": ("person", "pet", "furniture"), "behind": ("person", "pet"),
             "in front of": ("person", "pet", "vehicle"), "next to": ("person", "pet", "furniture")},
    "room": {"in": ("person", "pet", "portable", "food")},
    "building": {"in": ("person", "pet"), "near": ("person", "animal", "vehicle", "building"),
                 "behind": ("person", "animal", "vehicle", "building"),
                 "in front of": ("person", "animal", "vehicle", "tree"),
                 "next to": ("person", "animal", "vehicle", "building"), "far from": ("person", "building")},
    "outdoor": {"in": ("person", "pet", "livestock", "flower"), "near": ("person", "building"),
                "far from": ("person", "building")},
    "beach": {"on": ("person", "pet", "portable"), "near": ("person", "building")},
    "water": {"in": ("person", "swimmer"), "near": ("person", "animal", "building"),
              "far from": ("person", "building")},
    "tree": {"in": ("flyer", "climber"), "under": ("person", "animal", "portable", "vehicle"),
             "near": ("person", "animal", "vehicle"), "behind": ("person", "animal"),
             "in front of": ("person", "animal", "vehicle")},
    "vehicle": {"in": ("person", "pet", "portable"), "under": ("small",), "near": ("person", "animal"),
                "behind": ("person", "animal", "vehicle"), "in front of": ("person", "animal", "vehicle")},
    "bridge": {"on": ("person", "animal", "vehicle"), "under": ("person", "animal", "boat"),
               "near": ("person", "animal", "building")},
}

NUMBERS: tuple[tuple[str, str], ...] = (
    ("two", "deux"), ("three", "trois"), ("four", "quatre"), ("five", "cinq"), ("six", "six"), ("seven", "sept"),
    ("eight", "huit"), ("nine", "neuf"), ("ten", "dix"), ("twelve", "douze"), ("twenty", "vingt"),
)


@dataclass(frozen=True)
class Adverb:
    key: str
    en: str
    fr: str
    kind: str  # "manner_short" (between auxiliary and participle), "manner_long" (after it),
    #            "frequency" (after the conjugated verb, present only) or "time" (end of the clause)
    tenses: tuple[str, ...] = ("present", "past", "future")
    long_span: bool = False  # "last year", "every week": not said of where someone is


_PAST, _FUTURE, _PRESENT = ("past",), ("future",), ("present",)
ADVERBS: tuple[Adverb, ...] = (
    Adverb("well", "well", "bien", "manner_short"),
    Adverb("a_lot", "a lot", "beaucoup", "manner_short"),
    Adverb("quickly", "quickly", "vite", "manner_long"),
    Adverb("slowly", "slowly", "lentement", "manner_long"),
    Adverb("often", "often", "souvent", "frequency", _PRESENT),
    Adverb("always", "always", "toujours", "frequency", _PRESENT),
    Adverb("sometimes", "sometimes", "parfois", "frequency", _PRESENT),
    Adverb("today", "today", "aujourd'hui", "time", _PAST + _FUTURE),
    Adverb("yesterday", "yesterday", "hier", "time", _PAST),
    Adverb("tomorrow", "tomorrow", "demain", "time", _FUTURE),
    Adverb("now", "now", "maintenant", "time", _FUTURE),
    Adverb("every day", "every day", "tous les jours", "time", _PRESENT),
    Adverb("every morning", "every morning", "tous les matins", "time", _PRESENT),
    Adverb("every evening", "every evening", "tous les soirs", "time", _PRESENT),
    Adverb("every week", "every week", "toutes les semaines", "time", _PRESENT, long_span=True),
    Adverb("every year", "every year", "tous les ans", "time", _PRESENT, long_span=True),
    Adverb("in the morning", "in the morning", "le matin", "time", _PRESENT),
    Adverb("at night", "at night", "la nuit", "time", _PRESENT),
    Adverb("this morning", "this morning", "ce matin", "time", _PAST + _FUTURE),
    Adverb("tonight", "tonight", "ce soir", "time", _FUTURE),
    Adverb("last night", "last night", "hier soir", "time", _PAST),
    Adverb("yesterday morning", "yesterday morning", "hier matin", "time", _PAST),
    Adverb("tomorrow morning", "tomorrow morning", "demain matin", "time", _FUTURE),
    Adverb("last week", "last week", "la semaine dernière", "time", _PAST, long_span=True),
    Adverb("last month", "last month", "le mois dernier", "time", _PAST, long_span=True),
    Adverb("last year", "last year", "l'année dernière", "time", _PAST, long_span=True),
    Adverb("next week", "next week", "la semaine prochaine", "time", _FUTURE, long_span=True),
    Adverb("next month", "next month", "le mois prochain", "time", _FUTURE, long_span=True),
    Adverb("next year", "next year", "l'année prochaine", "time", _FUTURE, long_span=True),
    *(Adverb(f"on {n.en}", f"on {n.en}", n.fr, "time", _PAST + _FUTURE) for n in NOUNS if "weekday" in n.tags),
    *(Adverb(f"on {n.en_pl}", f"on {n.en_pl}", "le " + n.fr, "time", _PRESENT) for n in NOUNS
      if "weekday" in n.tags),
)

NOUN_BY_EN = {n.en: n for n in NOUNS}
ADJECTIVE_BY_EN = {a.en: a for a in ADJECTIVES}
VERB_BY_KEY = {v.key: v for v in VERBS}
MODAL_BY_KEY = {m.key: m for m in MODALS}
PREPOSITION_BY_KEY = {p.key: p for p in PREPOSITIONS}
ADVERB_BY_KEY = {a.key: a for a in ADVERBS}
PRONOUN_BY_EN = {p.en: p for p in PRONOUNS if p.fr != "elles"}


def lexicon_counts() -> dict[str, int]:
    """How many entries of each category the lexicon holds."""
    return {"nouns": len(NOUNS), "adjectives": len(ADJECTIVES), "verbs": len(VERBS) + len(MODALS),
            "pronouns": len(PRONOUNS), "prepositions": len(PREPOSITIONS), "numbers": len(NUMBERS),
            "adverbs": len(ADVERBS)}



# ----------------------------------------------------------------------------- what combines with what
def matches(noun: Noun, tags: frozenset[str]) -> bool:
    """A noun matches tags naming its kind, one of its tags, or the noun itself."""
    return noun.kind in tags or noun.en in tags or not noun.tags.isdisjoint(tags)


SOMEONE = noun("someone", "quelqu'un", "m", "person", "adult")  # what a subject pronoun stands for


def lookup(noun_en: str) -> Noun:
    """The noun with this English word ("someone" for a pronoun)."""
    return SOMEONE if noun_en == "someone" else NOUN_BY_EN[noun_en]


@cache
def nouns_matching(tags: frozenset[str]) -> tuple[Noun, ...]:
    return tuple(n for n in NOUNS if n.kind != "time" and matches(n, tags))


@cache
def adjectives_for(noun_en: str, use: str) -> tuple[Adjective, ...]:
    """Adjectives that describe this noun, inside a noun phrase (``use="attr"``) or after "to be" ("pred")."""
    return tuple(a for a in ADJECTIVES if a.use in (use, "both") and matches(lookup(noun_en), a.tags))


@cache
def places_for(figure_en: str) -> tuple[tuple[str, Noun], ...]:
    """Every (preposition, landmark) where this figure may be: ("under", table) for "cat"."""
    figure = lookup(figure_en)
    return tuple((prep, landmark) for landmark in NOUNS if landmark.loc and landmark is not figure
                 for prep, tags in LOCATION_RULES[landmark.loc].items() if matches(figure, frozenset(tags)))


@cache
def destinations_for(prep_key: str) -> tuple[Noun, ...]:
    """Where one can "go to", "arrive at" or "go into"."""
    if prep_key == "into":
        return tuple(n for n in NOUNS if n.loc in ("room", "building"))
    places = nouns_matching(frozenset({"destination"}))
    return places if prep_key == "to" else tuple(n for n in places if n.loc in ("building", "beach", None))
