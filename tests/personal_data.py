"""The fictional personal data the tests put into cases. None of it may ever appear
in a log line, an e-mail or a URL (tests/conftest.py checks after every test)."""

PERSON_VALUES = (
    "Testa",
    "Personsen",
    "Fiktiv",
    "Hemmelig vei",
    "Trenger fastlege",
    "2009-04-01",
    "01.04.1999",
    "1999-04-01",
    "Sentinel",
    "Rotasjon",
    "41019000077",
    "410190 00077",
)


def leaks_in(text: str) -> list[str]:
    return [value for value in PERSON_VALUES if value in text]
