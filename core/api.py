"""The error bodies of Vern's JSON API, shared by every app's `api.py`, so that each is documented.

Every error is a JSON object with `detail`: a short English reason for 401, 403 and 404 (what
django-ninja's own errors say), and for 422 the list of what was wrong with the request, in
django-ninja's shape. The bodies never repeat the values sent: they could be personal data.
"""

from typing import Any

from ninja import Field, Schema


class Error(Schema):
    detail: str = Field(description='Why the request was refused, e.g. "Unauthorized", "Not Found" or "protected".')


class InvalidValue(Schema):
    """One thing wrong with a request, as pydantic names it (https://docs.pydantic.dev/latest/errors/)."""

    type: str = Field(description='What is wrong, e.g. "int_parsing" or "less_than_equal".')
    loc: list[str | int] = Field(
        description='Where: the part of the request, then the parameter, e.g. ["query", "offset"].'
    )
    msg: str = Field(description="The same in English words.")
    ctx: dict[str, Any] = Field(default_factory=dict, description='The bound that was broken, e.g. {"le": 200}.')


class InvalidRequest(Schema):
    detail: list[InvalidValue]
