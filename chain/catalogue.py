"""The chain templates shipped as data (chain/fixtures/chain_templates.json).

Each is loaded as version 1, active, for its municipality and track, unless the
municipality already has a template for that track: a municipality's own edits
are never overwritten. Municipalities without a shipped template copy one in the
editor (chain.editor).
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "chain_templates.json"


def load_templates(get_model: Callable[[str, str], Any], fixture: Path = FIXTURE) -> int:
    """Load the shipped templates for the municipalities that exist; returns how many were created."""
    municipality_model = get_model("organisations", "Municipality")
    template_model = get_model("chain", "ChainTemplate")
    step_model = get_model("chain", "ChainStep")
    rule_model = get_model("chain", "DeadlineRule")
    step_fields = {field.name for field in step_model._meta.get_fields()}
    created = 0
    for item in json.loads(fixture.read_text(encoding="utf-8")):
        municipality = municipality_model.objects.filter(number=item["municipality_number"]).first()
        if (
            municipality is None
            or template_model.objects.filter(municipality=municipality, track=item["track"]).exists()
        ):
            continue
        template = template_model.objects.create(
            municipality=municipality,
            track=item["track"],
            version=1,
            status="active",
            title_nb=item["title_nb"],
            title_en=item["title_en"],
            source=item["source"],
        )
        for order, step in enumerate(item["steps"], start=1):
            rule_code = step.pop("deadline_rule")
            step_model.objects.create(
                template=template,
                order=order,
                deadline_rule=rule_model.objects.get(code=rule_code) if rule_code else None,
                # A migration's historical model may predate some fields of today's file.
                **{key: value for key, value in step.items() if key in step_fields},
            )
        created += 1
    return created


DECISIONS_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "case_decisions.json"


def load_decision_kinds(get_model: Callable[[str, str], Any], fixture: Path = DECISIONS_FIXTURE) -> int:
    """Load or update the catalogue of case decisions (by code); returns how many were created."""
    kind_model = get_model("chain", "DecisionKind")
    rule_model = get_model("chain", "DeadlineRule")
    kind_fields = {field.name for field in kind_model._meta.get_fields()}
    created = 0
    for item in json.loads(fixture.read_text(encoding="utf-8")):
        # A migration's historical model may predate some fields of today's file.
        values = {key: value for key, value in item.items() if key in kind_fields or key == "code"}
        code, rule_code = values.pop("code"), values.pop("deadline_rule")
        values["deadline_rule"] = rule_model.objects.get(code=rule_code) if rule_code else None
        _kind, was_created = kind_model.objects.update_or_create(code=code, defaults=values)
        created += was_created
    return created


def set_completing_events(get_model: Callable[[str, str], Any], fixture: Path = FIXTURE) -> int:
    """Give the steps of templates loaded before `completed_by_event` existed the events the file names.

    Matched by municipality, track and step code, and only where the step names no event yet;
    returns how many steps were changed.
    """
    step_model = get_model("chain", "ChainStep")
    changed = 0
    for item in json.loads(fixture.read_text(encoding="utf-8")):
        for step in item["steps"]:
            if step.get("completed_by_event"):
                changed += step_model.objects.filter(
                    template__municipality__number=item["municipality_number"],
                    template__track=item["track"],
                    code=step["code"],
                    completed_by_event="",
                ).update(completed_by_event=step["completed_by_event"])
    return changed


# What the state-reception step shared before it had a precondition: the whole case file.
WHOLE_FILE = ["contact", "criminal_case", "family", "health", "identity", "immigration"]


def set_step_preconditions(get_model: Callable[[str, str], Any], fixture: Path = FIXTURE) -> int:
    """Give the steps of templates loaded before `precondition` existed the preconditions the file names, and
    the narrower information the file now gives those steps where they still share the whole case file.

    Matched by municipality, track and step code; a municipality's own choices are left alone (a precondition
    already set, or field groups other than the whole file). Returns how many steps were changed."""
    step_model = get_model("chain", "ChainStep")
    changed = 0
    for item in json.loads(fixture.read_text(encoding="utf-8")):
        for step in item["steps"]:
            if not step.get("precondition"):
                continue
            for row in step_model.objects.filter(
                template__municipality__number=item["municipality_number"],
                template__track=item["track"],
                code=step["code"],
                precondition="",
            ):
                row.precondition = step["precondition"]
                if sorted(row.field_groups) == WHOLE_FILE:
                    row.field_groups = step["field_groups"]
                row.save(update_fields=["precondition", "field_groups"])
                changed += 1
    return changed
