"""A fictional population registered by several organisations, with known duplicates.

Used to test the linkage (tests/test_linkage_linker.py) and to measure it
(bench/linkage_quality.py). Each organisation writes down a person the way a busy
office would: typos, the names swapped, another romanisation of a Cyrillic name or the
Cyrillic itself, Norwegian letters typed as ASCII, diacritics dropped, no date of birth
but an estimated year, a wrong digit in the date, an alias, gender or nationality left
out.

- `population` draws names uniformly from small pools of common first and family names
  of seven origins.
- `stress_population` is the population of issue 16 as first measured: persons from
  Nigeria, Romania, Vietnam, Albania, Bulgaria and Thailand with names drawn with Zipf
  weights from those small pools (12–16 given and 12–25 family names per origin), so
  that hundreds share each full name at 30,000 persons: far more namesakes than in any
  real population.
- `vern_population` is the same six origins with pools of the size and concentration
  real ones have (docs/linkage.md, "The synthetic population"): the really common names
  first, with their shares, then fictional names made of the language's syllables.

Every person is fictional: names are combined at random and the pools' tails are made
up syllable by syllable, not copied from a list of real names.
"""

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from itertools import accumulate

from linkage.encoding import Person

_LATIN_NAMES = {
    # origin: (nationality, female given names, male given names, family names)
    "norwegian": (
        "NO",
        "Ingrid Kari Åse Solveig Marit Sigrid Tone Hege Bjørg Wenche Kjersti Ragnhild Guro Synnøve Tiril",
        "Ola Knut Bjørn Håkon Øystein Arne Geir Stian Jørgen Torbjørn Sindre Espen Kåre Vegard Åsmund",
        "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Johnsen Pettersen "
        "Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl Jørgensen Halvorsen Sørensen Lund Aasen",
    ),
    "romanian": (
        "RO",
        "Maria Elena Ioana Andreea Mihaela Alexandra Cristina Daniela Gabriela Roxana Florentina Ramona Simona",
        "Ion Gheorghe Vasile Constantin Mihai Andrei Alexandru Florin Marius Bogdan Ionuț Cătălin Adrian",
        "Popescu Ionescu Popa Pop Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Rusu Munteanu Moldovan "
        "Lungu Ștefan Constantin Marin Tudor Dobre Barbu Nistor Florea Sârbu Zamfir",
    ),
    "nigerian": (
        "NG",
        "Blessing Joy Mercy Esther Precious Favour Grace Gift Patience Chioma Ngozi Amaka Funmilayo Adaeze",
        "Chinedu Emeka Oluwaseun Tunde Ibrahim Musa Yusuf Chukwuemeka Kelechi Babatunde Segun Uche Obinna",
        "Okafor Okonkwo Adeyemi Ogunleye Eze Nwosu Ibrahim Bello Abubakar Okeke Obi Adebayo Olawale "
        "Chukwu Nnamdi Onyeka Afolabi Balogun Ogbonna Uzor Ekwueme Igwe Oyelaran Osagie Edosomwan",
    ),
    "vietnamese": (
        "VN",
        "Lan Hương Mai Linh Thảo Ngọc Trang Hà Phương Thủy Hằng Yến Nhung Vy",
        "Minh Hùng Tuấn Dũng Nam Quang Hải Long Sơn Đức Thắng Cường Phúc Khoa",
        "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý",
    ),
    "albanian": (
        "AL",
        "Arta Blerta Drita Elira Fatjona Jonida Kaltrina Lindita Mimoza Rudina Teuta Valbona Zamira",
        "Arben Besnik Dritan Ermal Fatmir Gentian Ilir Klodian Luan Mentor Petrit Sokol Valon",
        "Hoxha Shehu Dervishi Gjoka Krasniqi Leka Marku Mema Muça Nikolla Prifti Rama Sula Tafa Xhafa",
    ),
}
_LATIN_NAMES["thai"] = (
    "TH",
    "Somchai Malee Siriporn Kanya Wanida Nittaya Pranee Sunee Ratana Porntip Achara Jintana Kannika Duangjai",
    "Somchai Somsak Prasert Sombat Wichai Suchart Thongchai Anan Chaiwat Prayut Kittisak Surasak Nattapong",
    "Saetang Srisuk Rattanakosin Wongsawat Chaiyaporn Thongdee Phromma Kaewmanee Boonmee Sukprasert "
    "Chanthavong Jaidee Intharat Siriwat",
)
# Thai names in Latin letters are spelt by ear: each office hears them its own way.
_THAI_SPELLINGS = (("ph", "p"), ("th", "t"), ("ai", "ay"), ("ee", "i"), ("oo", "u"), ("ch", "j"), ("w", "v"))
# Cyrillic names are romanised by each organisation in its own way (see _romanise).
_CYRILLIC_NAMES = {
    "russian": (
        "RU",
        "Наталья Татьяна Юлия Ольга Екатерина Анастасия Ксения Людмила Светлана Жанна Дарья Евгения",
        "Сергей Дмитрий Александр Алексей Михаил Андрей Юрий Николай Евгений Владимир Максим Игорь",
        "Иванова Смирнова Кузнецова Попова Соколова Лебедева Козлова Новикова Морозова Петрова Волкова "
        "Соловьёва Васильева Зайцева Павлова Семёнова Голубева Виноградова Богданова Воробьёва Фёдорова",
    ),
    "ukrainian": (
        "UA",
        "Оксана Ірина Наталія Юлія Олена Тетяна Людмила Галина Марина Вікторія Христина Ярослава",
        "Олександр Сергій Андрій Дмитро Юрій Василь Микола Богдан Тарас Ярослав Віталій Євген",
        "Шевченко Коваленко Бондаренко Ткаченко Кравченко Олійник Шевчук Поліщук Бойко Мельник "
        "Коваль Лисенко Марченко Руденко Савченко Петренко Клименко Павленко Кузьменко Жук",
    ),
}
_CYRILLIC_NAMES["bulgarian"] = (
    "BG",
    "Мария Иванка Елена Йорданка Пенка Даниела Снежана Цветанка Радка Десислава Гергана Виолета",
    "Иван Георги Димитър Петър Христо Тодор Николай Стоян Васил Йордан Цветан Красимир",
    "Иванов Георгиев Димитров Петров Николов Христов Стоянов Тодоров Илиев Василев Атанасов Ангелов",
)
_CYRILLIC_ALPHABET = "абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя"
_ROMANISATIONS = {
    # Each Cyrillic letter as an English, German and French office would write it ("_": left out).
    scheme: dict(zip(_CYRILLIC_ALPHABET, letters.split(), strict=True))
    for scheme, letters in (
        ("english", "a b v g g d e e ye zh z i i yi y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya"),
        ("german", "a b w g g d e jo je sch s i i ji j k l m n o p r s t u f ch z tsch sch schtsch _ y _ e ju ja"),
        ("french", "a b v g g d e io ie j z i i ii i k l m n o p r s t ou f kh ts tch ch chtch _ y _ e iou ia"),
    )
}


# --- Name pools of real size and concentration (vern_population) ---------------------------------


@dataclass(frozen=True)
class NamePool:
    """Names with the share of persons given each, most common first."""

    names: tuple[str, ...]
    shares: tuple[float, ...]
    cumulative: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cumulative", tuple(accumulate(self.shares)))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.names, cum_weights=self.cumulative)[0]


def zipf_exponent(size: int, top_share: float) -> float:
    """The Zipf exponent s at which the first of ``size`` names, weighing rank**-s, has ``top_share``."""
    low, high = 0.0, 8.0
    for _ in range(50):
        exponent = (low + high) / 2
        top = 1 / sum(rank**-exponent for rank in range(1, size + 1))
        low, high = (exponent, high) if top < top_share else (low, exponent)
    return (low + high) / 2


def _syllables(*parts: str) -> Callable[[random.Random], str]:
    """A maker of fictional names: one of each part's space-separated syllables ("-" for none), in order."""
    choices = [part.split() for part in parts]

    def made_up(rng: random.Random) -> str:
        return "".join(syllable for syllable in map(rng.choice, choices) if syllable != "-").capitalize()

    return made_up


_VIETNAMESE_ONSETS = "b c ch d đ g gi h kh l m n ng nh ph qu s t th tr v x -"
_VIETNAMESE_RHYMES = (
    "a ai an anh ao ăn âm âu e em en ê ênh i im in inh o oa oan oanh ong ô ơ ơn u uân ui uy uyên ư ưng ương"
)
_VIETNAMESE_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # combining marks after the first vowel


def _vietnamese_syllable(rng: random.Random) -> str:
    onset, rhyme, tone = (
        rng.choice(_VIETNAMESE_ONSETS.split()),
        rng.choice(_VIETNAMESE_RHYMES.split()),
        rng.choice(_VIETNAMESE_TONES),
    )
    return unicodedata.normalize("NFC", (onset if onset != "-" else "") + rhyme[0] + tone + rhyme[1:]).capitalize()


def _pool(
    common: str,
    size: int,
    made_up: Callable[[random.Random], str],
    *,
    top_share: float = 0.0,
    common_shares: tuple[float, ...] = (),
) -> NamePool:
    """``size`` names: the really common ones (``common``, most common first), then made-up ones.

    With ``common_shares`` the common names have those shares and the made-up ones share the
    rest by Zipf's law (exponent 1); otherwise every rank weighs rank**-s, with s chosen so
    that the first name has ``top_share``.
    """
    names = list(dict.fromkeys(common.split()))
    known = {name.lower() for name in names}
    rng = random.Random(f"{common} {size}")  # nosec B311 - the same pool on every run
    while len(names) < size:
        name = made_up(rng)
        if len(name) > 1 and name.lower() not in known:
            known.add(name.lower())
            names.append(name)
    if common_shares:
        tail = [1 / rank for rank in range(1, size - len(common_shares) + 1)]
        scale = (1 - sum(common_shares)) / sum(tail)
        weights = list(common_shares) + [weight * scale for weight in tail]
    else:
        exponent = zipf_exponent(size, top_share)
        weights = [rank**-exponent for rank in range(1, size + 1)]
    total = sum(weights)
    return NamePool(tuple(names), tuple(weight / total for weight in weights))


@dataclass(frozen=True)
class _Origin:
    nationality: str
    female: NamePool
    male: NamePool
    family: NamePool
    cyrillic: bool = False
    # The middle name most of one sex carry (Vietnamese Thị, Văn): (name, share of the sex).
    middle: dict[str, tuple[str, float]] = field(default_factory=dict)
    family_female_ending: str = ""  # Bulgarian family names take -а for women (Иванов, Иванова)


@cache
def _origins() -> dict[str, _Origin]:
    """The six origins of vern_population; the sizes and shares and their sources: docs/linkage.md."""
    romanian_start = "A Ale An Bo Ca Co Cri Da De Do Flo Ga Ge Io Lu Ma Mi Mu Ne Pa Pe Ra Ro Se Si Ste Te Tu Va Vi Za"
    romanian_middle = "- - ri ni li de re la ne mi ca ta ru"
    albanian_start = "A Ar Be Bl Bu Dh Dr E Fa Fl Gj Gr I Je Kl Le Li Lu Ma Me Mi Ne Pe Re Sh So Ta Ve Xh Za Zh"
    albanian_middle = "- - ri li na de mi ra ni ta she"
    nigerian_start = "A Ade Ba Chi Da E Eme Fo Ife I Ka Kel Ngo Nne O Obi Olu Ona Se Tu U Uche Yu Za"
    nigerian_middle = "- - wa de yo mi ka chu la ba nne ro ke"
    thai_start = "A Bun Cha Chan Dao Duang Jin Kan Kit Ma Na Nit Pha Phon Pra Ra Sa Si Som Su Suk Tha Thong Wan Wi"
    thai_middle = "- - - na ra wa ni pha sa"
    bulgarian_start = "Бо Ва Ве Ге Да Де Дра Зла Йо Ка Кра Ли Ми Мла Не Пе Пла Ра Све Сла Сто Та То Цве Я"
    bulgarian_middle = "- - ли на ни ми ря де ла ра"
    return {
        "romanian": _Origin(
            "RO",
            _pool(
                "Maria Elena Ioana Mihaela Andreea Ana Cristina Daniela Gabriela Alexandra",
                600,
                _syllables(romanian_start, romanian_middle, "a ela ina ica ana eta ia uța ra"),
                top_share=0.06,
            ),
            _pool(
                "Ion Gheorghe Vasile Constantin Mihai Nicolae Alexandru Andrei Dumitru Marius",
                500,
                _syllables(romanian_start, romanian_middle, "u an el in ian or ică e ache"),
                top_share=0.05,
            ),
            _pool(
                "Popa Popescu Pop Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Ionescu Rusu",
                8000,
                _syllables(romanian_start, romanian_middle, romanian_middle, "escu eanu u aru an ache ică oiu ea"),
                top_share=0.01,
            ),
        ),
        "nigerian": _Origin(
            "NG",
            _pool(
                "Blessing Mercy Esther Grace Joy Favour Precious Patience Chioma Ngozi",
                1500,
                _syllables(nigerian_start, nigerian_middle, "mi la de yo ke chi ma nna ye ola emi nma"),
                top_share=0.03,
            ),
            _pool(
                "Ibrahim Musa Emmanuel Chinedu Samuel Yusuf Oluwaseun Daniel Emeka Abubakar",
                1500,
                _syllables(nigerian_start, nigerian_middle, "de yo ke chi ka emi ike uzo nde wale tunde"),
                top_share=0.03,
            ),
            _pool(
                "Ibrahim Musa Abubakar Bello Okafor Adeyemi Okonkwo Eze Okeke Nwosu Adebayo Ogunleye",
                10000,
                _syllables(
                    nigerian_start,
                    nigerian_middle,
                    nigerian_middle,
                    "onkwo afor eke emi ade ola ogu nna yemi bayo leye osu",
                ),
                top_share=0.008,
            ),
        ),
        "vietnamese": _Origin(
            "VN",
            _pool(
                "Lan Hương Mai Linh Thảo Ngọc Trang Hà Phương Thủy Hằng Yến", 400, _vietnamese_syllable, top_share=0.04
            ),
            _pool(
                "Minh Hùng Tuấn Dũng Nam Quang Hải Long Sơn Đức Thắng Cường", 400, _vietnamese_syllable, top_share=0.04
            ),
            _pool(
                "Nguyễn Trần Lê Phạm Phan Hoàng Huỳnh Đặng Vũ Bùi Võ Đỗ Hồ Ngô Dương Lý",
                150,
                _vietnamese_syllable,
                common_shares=(
                    0.384,
                    0.11,
                    0.095,
                    0.071,
                    0.045,
                    0.03,
                    0.021,
                    0.021,
                    0.02,
                    0.02,
                    0.019,
                    0.014,
                    0.013,
                    0.013,
                    0.01,
                    0.005,
                ),
            ),
            middle={"female": ("Thị", 0.6), "male": ("Văn", 0.35)},
        ),
        "albanian": _Origin(
            "AL",
            _pool(
                "Arta Drita Mimoza Teuta Valbona Blerta Elira Lindita Jonida Rudina",
                500,
                _syllables(albanian_start, albanian_middle, "a ta na ina ona ela ida eta ja"),
                top_share=0.03,
            ),
            _pool(
                "Arben Ilir Petrit Sokol Gentian Besnik Dritan Ermal Fatmir Luan",
                500,
                _syllables(albanian_start, albanian_middle, "an en im ir on ut ol et ian ent"),
                top_share=0.03,
            ),
            _pool(
                "Hoxha Shehu Dervishi Krasniqi Leka Marku Prifti Rama Gjoka Xhafa",
                4000,
                _syllables(albanian_start, albanian_middle, albanian_middle, "aj i u ku ri ja ari ollari iu aku"),
                top_share=0.01,
            ),
        ),
        "bulgarian": _Origin(
            "BG",
            _pool(
                "Мария Иванка Елена Йорданка Пенка Даниела Снежана Цветанка Радка Десислава",
                500,
                _syllables(bulgarian_start, bulgarian_middle, "а ка на я ица ина ела ана"),
                top_share=0.04,
            ),
            _pool(
                "Иван Георги Димитър Петър Христо Тодор Николай Стоян Васил Йордан",
                400,
                _syllables(bulgarian_start, bulgarian_middle, "ан ил ор о ко ен им ислав омир ьо"),
                top_share=0.05,
            ),
            _pool(
                "Иванов Георгиев Димитров Петров Николов Христов Стоянов Тодоров Илиев Василев",
                3000,
                _syllables(bulgarian_start, bulgarian_middle, bulgarian_middle, "ов ев анов илов оров ков енов ишев"),
                top_share=0.03,
            ),
            cyrillic=True,
            family_female_ending="а",
        ),
        "thai": _Origin(
            "TH",
            _pool(
                "Somchai Malee Siriporn Kanya Wanida Nittaya Pranee Sunee Ratana Porntip",
                3000,
                _syllables(thai_start, thai_middle, thai_middle, "porn tip nee ya wan ree dee chan ya phen"),
                top_share=0.01,
            ),
            _pool(
                "Somchai Somsak Prasert Sombat Wichai Suchart Thongchai Anan Chaiwat Kittisak",
                3000,
                _syllables(thai_start, thai_middle, thai_middle, "chai sak porn thong pong kit wat chart sin"),
                top_share=0.01,
            ),
            # Thai surnames are one per family by law (Surname Act 1913); the Chinese-Thai sae- names are shared.
            _pool(
                "Saetang Saelim Saeheng Saelee Saechin",
                30000,
                _syllables(
                    thai_start, thai_middle, thai_middle, thai_middle, "wong sawat porn dee rat suk mee chai kul"
                ),
                top_share=0.002,
            ),
        ),
    }


@dataclass(frozen=True)
class Record:
    """One organisation's record of one person."""

    person_id: int
    organisation: int
    person: Person


def _romanise(text: str, scheme: str) -> str:
    table = _ROMANISATIONS[scheme]
    out = "".join(table.get(char.lower(), char).replace("_", "") for char in text)
    return out[:1].upper() + out[1:]


@dataclass(frozen=True)
class _Identity:
    given: str
    family: str
    birth_date: date
    gender: str
    nationality: str
    cyrillic: bool
    middle_name: bool = False  # the first given name is a middle name (Vietnamese Thị Lan)


def _name(rng: random.Random, names: str, common: bool) -> str:
    """One name of a pool: uniformly, or with Zipf weights where a few names are very common."""
    pool = names.split()
    if not common:
        return rng.choice(pool)
    return rng.choices(pool, weights=[1 / rank for rank in range(1, len(pool) + 1)])[0]


def _identity(rng: random.Random, origins: tuple[str, ...] = (), common: bool = False) -> _Identity:
    if origins:
        origin = rng.choice(origins)
        cyrillic = origin in _CYRILLIC_NAMES
    else:
        cyrillic = rng.random() < 0.3
        origin = rng.choice(sorted(_CYRILLIC_NAMES if cyrillic else _LATIN_NAMES))
    nationality, female, male, family = (_CYRILLIC_NAMES if cyrillic else _LATIN_NAMES)[origin]
    gender = rng.choice(("female", "female", "male"))
    given = _name(rng, female if gender == "female" else male, common)
    if rng.random() < 0.5:  # a second given name
        given += " " + _name(rng, female if gender == "female" else male, common)
    birth_date = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 45))
    return _Identity(given, _name(rng, family, common), birth_date, gender, nationality, cyrillic)


def _vern_identity(rng: random.Random) -> _Identity:
    origin = _origins()[rng.choice(VERN_ORIGINS)]
    gender = rng.choice(("female", "female", "male"))
    names = origin.female if gender == "female" else origin.male
    given = names.draw(rng)
    if gender in origin.middle:
        middle, share = origin.middle[gender]
        given = f"{middle if rng.random() < share else names.draw(rng)} {given}"
    elif rng.random() < 0.5:  # a second given name
        given += " " + names.draw(rng)
    family = origin.family.draw(rng) + (origin.family_female_ending if gender == "female" else "")
    birth_date = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 45))
    return _Identity(given, family, birth_date, gender, origin.nationality, origin.cyrillic, bool(origin.middle))


def _by_ear(rng: random.Random, text: str) -> str:
    for written, heard in _THAI_SPELLINGS:
        if rng.random() < 0.3:
            text = text.replace(written, heard)
    return text


def typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    letter = rng.choice("aeinorstlu")
    return rng.choice(
        (
            text[:i] + text[i + 1 :],  # a letter left out
            text[:i] + letter + text[i:],  # a letter too many
            text[:i] + letter + text[i + 1 :],  # a wrong letter
            text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :],  # two letters swapped
        )
    )


def _ascii_office(text: str) -> str:
    """Norwegian letters as a keyboard without them types them."""
    return text.replace("ø", "oe").replace("Ø", "Oe").replace("å", "aa").replace("Å", "Aa").replace("æ", "ae")


def _without_diacritics(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _written_by(rng: random.Random, identity: _Identity, scheme: str) -> Person:
    given, family = identity.given, identity.family
    if rng.random() < 0.2:  # only one given name written down: the first, or the name after a middle name
        given = given.split()[-1] if identity.middle_name else given.split()[0]
    if identity.cyrillic:
        if rng.random() < 0.1:
            pass  # written in Cyrillic, as in the passport
        else:
            given, family = _romanise(given, scheme), _romanise(family, scheme)
    elif identity.nationality == "TH":
        given, family = _by_ear(rng, given), _by_ear(rng, family)
    elif rng.random() < 0.3:
        given, family = _ascii_office(given), _ascii_office(family)
    if rng.random() < 0.3:  # diacritics dropped (Ștefan, Nguyễn): the encoder drops them too
        given, family = _without_diacritics(given), _without_diacritics(family)
    if rng.random() < 0.15:
        given = typo(rng, given)
    if rng.random() < 0.15:
        family = typo(rng, family)
    names = (family, given) if rng.random() < 0.15 else (given, family)
    aliases = (rng.choice(("Lady", "Baby", "Mama", "Kiki", "Nana", "Sasha")),) if rng.random() < 0.05 else ()
    birth_date: date | None = identity.birth_date
    birth_year = None
    roll = rng.random()
    if roll < 0.15:  # only an estimated year, sometimes one off
        birth_date, birth_year = None, identity.birth_date.year + rng.choice((0, 0, 0, -1, 1))
    elif roll < 0.2:  # nothing known
        birth_date = None
    elif roll < 0.27 and identity.birth_date.day <= 12:  # day and month swapped
        birth_date = identity.birth_date.replace(month=identity.birth_date.day, day=identity.birth_date.month)
    elif roll < 0.3:  # a day off
        birth_date = identity.birth_date + timedelta(days=rng.choice((-1, 1)))
    gender = identity.gender if rng.random() < 0.9 else ""
    nationality = identity.nationality if rng.random() < 0.85 else ""
    return Person(names, aliases, birth_date, birth_year, gender, nationality)


def population(
    persons: int,
    *,
    organisations: int = 3,
    seed: int = 0,
    shared: float = 0.3,
    origins: tuple[str, ...] = (),
    common_names: bool = False,
) -> list[Record]:
    """Records of ``persons`` people; a share ``shared`` of them known to two or more organisations.

    Each organisation writes Cyrillic names in its own romanisation. The true number
    of persons is ``persons``; the true duplicates are records with the same person_id.
    """
    return _registered(persons, organisations, seed, shared, lambda rng: _identity(rng, origins, common_names))


def _registered(
    persons: int, organisations: int, seed: int, shared: float, identity: Callable[[random.Random], _Identity]
) -> list[Record]:
    rng = random.Random(seed)  # nosec B311
    schemes = [sorted(_ROMANISATIONS)[i % len(_ROMANISATIONS)] for i in range(organisations)]
    records = []
    for person_id in range(persons):
        person = identity(rng)
        count = rng.choice(range(2, organisations + 1)) if rng.random() < shared else 1
        for organisation in rng.sample(range(organisations), count):
            records.append(Record(person_id, organisation, _written_by(rng, person, schemes[organisation])))
    rng.shuffle(records)
    return records


VERN_ORIGINS = ("nigerian", "romanian", "vietnamese", "albanian", "bulgarian", "thai")


def stress_population(persons: int, *, seed: int = 0) -> list[Record]:
    """Issue 16's six origins with the small pools: far more namesakes than a real population has."""
    return population(persons, organisations=5, seed=seed, shared=0.4, origins=VERN_ORIGINS, common_names=True)


def vern_population(persons: int, *, seed: int = 0) -> list[Record]:
    """Issue 16's six origins with name pools of real size and concentration, five organisations."""
    return _registered(persons, 5, seed, 0.4, _vern_identity)
