"""A fictional population registered by several organisations, with known duplicates.

Used to test the linkage (tests/test_linkage_linker.py) and to measure it
(bench/linkage_quality.py). Names are common first names and family names drawn at
random and combined, so every person is fictional. Each organisation writes down a person the way a busy office would:
typos, the names swapped, another romanisation of a Cyrillic name or the Cyrillic
itself, Norwegian letters typed as ASCII, no date of birth but an estimated year, a
wrong digit in the date, an alias, gender or nationality left out.

`population` draws names uniformly from the pools of seven origins. `vern_population`
is the population issue 16 asks the linkage to count right: persons from Nigeria,
Romania, Vietnam, Albania, Bulgaria and Thailand, where a few names are very common
(names drawn with Zipf weights, so namesakes are many), Bulgarian names romanised
by each office in its own way and Thai names spelt by ear.
"""

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

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
    if rng.random() < 0.2:  # only the first given name written down
        given = given.split()[0]
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
    rng = random.Random(seed)  # nosec B311
    schemes = [sorted(_ROMANISATIONS)[i % len(_ROMANISATIONS)] for i in range(organisations)]
    records = []
    for person_id in range(persons):
        identity = _identity(rng, origins, common_names)
        count = rng.choice(range(2, organisations + 1)) if rng.random() < shared else 1
        for organisation in rng.sample(range(organisations), count):
            person = _written_by(rng, identity, schemes[organisation])
            records.append(Record(person_id, organisation, person))
    rng.shuffle(records)
    return records


VERN_ORIGINS = ("nigerian", "romanian", "vietnamese", "albanian", "bulgarian", "thai")


def vern_population(persons: int, *, seed: int = 0) -> list[Record]:
    """The population of issue 16: six origins with few common names, five organisations."""
    return population(persons, organisations=5, seed=seed, shared=0.4, origins=VERN_ORIGINS, common_names=True)
