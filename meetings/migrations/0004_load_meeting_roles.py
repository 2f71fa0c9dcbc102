from pathlib import Path

from django.db import migrations

from core.fixtures import load_by_code

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "meeting_roles_v1.json"


def load(apps, schema_editor):
    load_by_code(apps.get_model("meetings", "MeetingRole"), FIXTURE)
    # Meetings convened before invitations had grounds invited only the owner and those responsible for a step.
    Meeting = apps.get_model("meetings", "Meeting")
    Invitation = apps.get_model("meetings", "Invitation")
    for meeting in Meeting.objects.select_related("case").prefetch_related("invited"):
        Invitation.objects.bulk_create(
            [
                Invitation(
                    meeting=meeting,
                    organisation=organisation,
                    ground="owner" if organisation.pk == meeting.case.owner_id else "responsible",
                )
                for organisation in meeting.invited.all()
            ],
            ignore_conflicts=True,
        )


def unload(apps, schema_editor):
    apps.get_model("meetings", "Invitation").objects.all().delete()
    apps.get_model("meetings", "MeetingRole").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("meetings", "0003_meeting_roles_and_invitations")]

    operations = [migrations.RunPython(load, unload)]
