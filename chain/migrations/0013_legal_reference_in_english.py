"""Legal references in English too: English pages showed the bokmål notes ("ikke bekreftet", "første ledd").

The deadline rules and decisions are reloaded from their files. A template's steps are a municipality's own
once loaded: a step whose reference is still the shipped bokmål one gets the shipped English one; a
reference a coordinator wrote stays bokmål on English pages until they write its English.
"""

from pathlib import Path

from django.db import migrations, models

from chain.catalogue import load_decision_kinds
from core.fixtures import load_by_code

RULES = Path(__file__).resolve().parent.parent / "fixtures" / "deadline_rules.json"
SHIPPED = {
    "utlendingsloven § 38, utlendingsforskriften § 8-3 første ledd; UDI 2013-014 (telling fra vedtaksdato: ikke bekreftet)": (
        "Immigration Act (utlendingsloven) § 38, Immigration Regulations (utlendingsforskriften) § 8-3 first paragraph; UDI 2013-014 (counting from the decision date: not confirmed)"
    ),
    "sosialtjenesteloven § 18 (praksis i NAV Oslo: utbetaling hver 14. dag)": (
        "Social Services Act (sosialtjenesteloven) § 18 (NAV Oslo's practice: a payment every 14 days)"
    ),
    "barnevernsloven kapittel 6, trolig § 6-6 (ikke bekreftet); tidligere § 4-29": (
        "Child Welfare Act (barnevernsloven) chapter 6, probably § 6-6 (not confirmed); formerly § 4-29"
    ),
    "Bergen kommunes TOT-modell (rutine, ikke lovkrav)": (
        "Bergen municipality's TOT model (a routine, not a legal requirement)"
    ),
    "vergemålsloven (hjemmel for representant/verge for mindreårige: ikke bekreftet)": (
        "Guardianship Act (vergemålsloven) (legal basis for a representative or guardian for minors: not confirmed)"
    ),
    "straffeprosessloven § 107 a (rett til bistandsadvokat i saker om menneskehandel)": (
        "Criminal Procedure Act (straffeprosessloven) § 107 a (the right to a counsel for the victim in trafficking cases)"
    ),
    "vergemålsloven (verge for mindreårige; hjemmel ikke bekreftet)": (
        "Guardianship Act (vergemålsloven) (a guardian for minors; legal basis not confirmed)"
    ),
    "utlendingsforskriften § 8-3 femte ledd (søknaden fremmes for politiet, UDI avgjør)": (
        "Immigration Regulations (utlendingsforskriften) § 8-3 fifth paragraph (the application is filed with the police, UDI decides)"
    ),
    "utlendingsloven § 38, utlendingsforskriften § 8-3 første ledd; UDI 2013-014 (6 måneder fra vedtaksdatoen; telling fra vedtaksdato ikke bekreftet)": (
        "Immigration Act (utlendingsloven) § 38, Immigration Regulations (utlendingsforskriften) § 8-3 first paragraph; UDI 2013-014 (6 months from the decision date; counting from the decision date not confirmed)"
    ),
    "Europarådets konvensjon om tiltak mot menneskehandel (CETS nr. 197) art. 12 nr. 1 bokstav a": (
        "Council of Europe Convention on Action against Trafficking in Human Beings (CETS No. 197) Art. 12(1)(a)"
    ),
    "barnevernsloven § 4-5 (akuttvedtak, utledet) og kapittel 6, trolig § 6-6 (plassering i institusjon på grunn av fare for menneskehandel) (ikke bekreftet)": (
        "Child Welfare Act (barnevernsloven) § 4-5 (emergency order, derived) and chapter 6, probably § 6-6 (placement in an institution because of the risk of trafficking) (not confirmed)"
    ),
    "Europarådets konvensjon om tiltak mot menneskehandel (CETS nr. 197) art. 12 nr. 1 bokstav b": (
        "Council of Europe Convention on Action against Trafficking in Human Beings (CETS No. 197) Art. 12(1)(b)"
    ),
    "Europarådets konvensjon om tiltak mot menneskehandel (CETS nr. 197) art. 12 nr. 1 bokstav c": (
        "Council of Europe Convention on Action against Trafficking in Human Beings (CETS No. 197) Art. 12(1)(c)"
    ),
    "Europarådets konvensjon om tiltak mot menneskehandel (CETS nr. 197) art. 12 nr. 1 bokstav d": (
        "Council of Europe Convention on Action against Trafficking in Human Beings (CETS No. 197) Art. 12(1)(d)"
    ),
    "Europarådets konvensjon om tiltak mot menneskehandel (CETS nr. 197) art. 12 nr. 1 bokstav e": (
        "Council of Europe Convention on Action against Trafficking in Human Beings (CETS No. 197) Art. 12(1)(e)"
    ),
    "Europarådets konvensjon om tiltak mot menneskehandel (CETS nr. 197) art. 12 nr. 1 bokstav f": (
        "Council of Europe Convention on Action against Trafficking in Human Beings (CETS No. 197) Art. 12(1)(f)"
    ),
    "straffeprosessloven §§ 107 a og 107 b": ("Criminal Procedure Act (straffeprosessloven) §§ 107 a and 107 b"),
    "Europarådets konvensjon om tiltak mot menneskehandel (CETS nr. 197) art. 10 nr. 4 bokstav a; norsk hjemmel for oppnevning av verge (vergemålsloven) (ikke bekreftet)": (
        "Council of Europe Convention on Action against Trafficking in Human Beings (CETS No. 197) Art. 10(4)(a); the Norwegian legal basis for appointing a guardian (Guardianship Act, vergemålsloven) (not confirmed)"
    ),
    "sosialtjenesteloven § 18": ("Social Services Act (sosialtjenesteloven) § 18"),
    "sosialtjenesteloven § 27": ("Social Services Act (sosialtjenesteloven) § 27"),
    "sosialtjenesteloven §§ 20 og 20 a; § 42 (brukermedvirkning)": (
        "Social Services Act (sosialtjenesteloven) §§ 20 and 20 a; § 42 (user participation)"
    ),
    "straffeloven §§ 257–258": ("Penal Code (straffeloven) §§ 257–258"),
    "barnevernsloven § 4-5": ("Child Welfare Act (barnevernsloven) § 4-5"),
    "barnevernsloven kap. 6": ("Child Welfare Act (barnevernsloven) chapter 6"),
    "straffeprosessloven § 107 a": ("Criminal Procedure Act (straffeprosessloven) § 107 a"),
    "TOT-modellen i Bergen (rapporten 2013, kap. 6)": ("The TOT model in Bergen (Fafo report 2013, chapter 6)"),
    "utlendingsforskriften § 8-3": ("Immigration Regulations (utlendingsforskriften) § 8-3"),
    "utlendingsforskriften § 8-3 femte ledd": ("Immigration Regulations (utlendingsforskriften) § 8-3 fifth paragraph"),
    "sosialtjenesteloven §§ 18 og 27": ("Social Services Act (sosialtjenesteloven) §§ 18 and 27"),
    "utlendingsloven § 38, utlendingsforskriften § 8-3": (
        "Immigration Act (utlendingsloven) § 38, Immigration Regulations (utlendingsforskriften) § 8-3"
    ),
    "Europarådets konvensjon art. 12": ("Council of Europe Convention Art. 12"),
    "Europarådets konvensjon art. 12 nr. 1 a": ("Council of Europe Convention Art. 12(1)(a)"),
    "TOT-modellen (rapporten 2013, kap. 6)": ("The TOT model (Fafo report 2013, chapter 6)"),
    "Europarådets konvensjon mot menneskehandel art. 10 (identifisering)": (
        "Council of Europe Convention on Action against Trafficking Art. 10 (identification)"
    ),
    "straffeprosessloven § 107 a (bistandsadvokat, fritt rettsråd i minst 3 timer)": (
        "Criminal Procedure Act (straffeprosessloven) § 107 a (counsel for the victim, free legal advice for at least 3 hours)"
    ),
    "utlendingsforskriften § 8-3 femte ledd (søknad til politiet, vedtak i UDI)": (
        "Immigration Regulations (utlendingsforskriften) § 8-3 fifth paragraph (application to the police, decision by UDI)"
    ),
    "sosialtjenesteloven § 18; forskrift om sosiale tjenester for personer uten fast bopel i Norge § 1 fjerde ledd": (
        "Social Services Act (sosialtjenesteloven) § 18; Regulations on social services for persons without a permanent residence in Norway § 1 fourth paragraph"
    ),
    "utlendingsloven § 38, utlendingsforskriften § 8-3 første ledd; sosialtjenesteloven §§ 18, 27 og 20 a": (
        "Immigration Act (utlendingsloven) § 38, Immigration Regulations (utlendingsforskriften) § 8-3 first paragraph; Social Services Act (sosialtjenesteloven) §§ 18, 27 and 20 a"
    ),
    "utlendingsforskriften § 8-3 annet ledd (midlertidig tillatelse inntil ett år), § 8-4 (vitner)": (
        "Immigration Regulations (utlendingsforskriften) § 8-3 second paragraph (a temporary permit for up to one year), § 8-4 (witnesses)"
    ),
    "utlendingsloven § 95 (innkvartering av asylsøkere)": (
        "Immigration Act (utlendingsloven) § 95 (accommodation for asylum seekers)"
    ),
    "barnevernsloven § 13-2 (opplysningsplikt til barnevernet)": (
        "Child Welfare Act (barnevernsloven) § 13-2 (the duty to inform the child welfare service)"
    ),
    "barnevernsloven § 4-5 (akuttvedtak om plassering i institusjon; ikke bekreftet)": (
        "Child Welfare Act (barnevernsloven) § 4-5 (emergency order of placement in an institution; not confirmed)"
    ),
}


def load(apps, schema_editor):
    load_by_code(apps.get_model("chain", "DeadlineRule"), RULES)
    load_decision_kinds(apps.get_model)
    step_model = apps.get_model("chain", "ChainStep")
    for bokmal, english in SHIPPED.items():
        step_model.objects.filter(legal_reference_nb=bokmal, legal_reference_en="").update(legal_reference_en=english)


class Migration(migrations.Migration):
    dependencies = [("chain", "0012_template_sources_are_citations")]

    operations = [
        migrations.RenameField(model_name="deadlinerule", old_name="legal_reference", new_name="legal_reference_nb"),
        migrations.AddField(
            model_name="deadlinerule",
            name="legal_reference_en",
            field=models.CharField(default="", max_length=300),
            preserve_default=False,
        ),
        migrations.RenameField(model_name="decisionkind", old_name="legal_reference", new_name="legal_reference_nb"),
        migrations.AddField(
            model_name="decisionkind",
            name="legal_reference_en",
            field=models.CharField(default="", max_length=300),
            preserve_default=False,
        ),
        migrations.RenameField(model_name="chainstep", old_name="legal_reference", new_name="legal_reference_nb"),
        migrations.AlterField(
            model_name="chainstep",
            name="legal_reference_nb",
            field=models.CharField(blank=True, max_length=300, verbose_name="legal reference (bokmål)"),
        ),
        migrations.AddField(
            model_name="chainstep",
            name="legal_reference_en",
            field=models.CharField(blank=True, max_length=300, verbose_name="legal reference (English)"),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
