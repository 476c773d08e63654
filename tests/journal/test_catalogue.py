"""A1: the national vaccine catalogue — versions, retirement, catalogue files, and who may change it."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.urls import get_resolver, reverse

from journal import catalogue
from journal.catalogue_forms import ProductForm
from journal.forms import OrderForm
from journal.models import ScheduleStep, VaccineProduct, VaccineProductVersion
from mittvaccin.forms import StaffForm
from mittvaccin.models import CatalogueMaintainerChange
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.journal.factories import ready_visit, register
from tests.tenancy_ids import ID_PROVIDERS, NATIONAL_URL_NAMES

pytestmark = pytest.mark.django_db

HEADER = "name;npl_id;atc_code;diseases;disease;manufacturer;dose_ml;route;series_doses;intervals;national_programmes"


def plan_of(*rows, header=HEADER):
    return catalogue.catalogue_plan("\n".join([header, *rows]) + "\n")


def form_data(**changes):
    data = {
        "name": "Testvaccin",
        "npl_id": "",
        "atc_code": "J07BA01",
        "diseases": ["tbe"],
        "disease": "",
        "manufacturer": "Testbolaget",
        "dose_ml": "0.50",
        "route": "im",
        "doses_per_vial": "1",
        "hours_after_opening": "",
        "min_age_days": "",
        "max_age_years": "",
        "series_doses": "3",
        "intervals": "14-30, 150-180",
        "booster_min_days": "",
        "booster_days": "",
        "national_programmes": [],
        "status": "active",
        "comment": "",
    }
    data.update(changes)
    return data


def save(product=None, **changes):
    form = ProductForm(form_data(**changes), product=product)
    assert form.is_valid(), form.errors
    return catalogue.product_save(product=product, data=form.cleaned_data, source="screen")


@pytest.fixture
def maintainer(cast):
    user = UserFactory(caregiver=cast.caregiver_a, username="katalog", rights=[])
    catalogue.maintainer_set(user=user, granted=True, by=None, reason="test")
    user.refresh_from_db()
    return user


# --- Products and versions --------------------------------------------------------------------------------


def test_a1_a_new_product_has_its_schedule_and_version_one():
    product, changed = save()
    assert changed and product.version == 1
    assert product.disease == "TBE (fästingburen hjärninflammation)"  # from the coded list when left empty
    assert list(ScheduleStep.objects.filter(product=product).values_list("dose_number", "min_days")) == [
        (2, 14),
        (3, 150),
    ]
    version = product.current_version
    assert (version.version, version.name, version.data["intervals"]) == (
        1,
        "Testvaccin",
        [[14, 30], [150, 180]],
    )


def test_a1_a_change_is_a_new_version_and_an_earlier_dose_keeps_what_it_was_given_under(cast):
    product, _ = save(name="Gammalt namn", disease="TBE")
    ready = ready_visit(cast, product=product)
    dose = register(cast, ready)
    assert dose.product_version.version == 1
    product, changed = save(product, name="Nytt namn", disease="TBE", npl_id="20200101000123")
    assert changed and product.version == 2
    assert VaccineProductVersion.objects.filter(product=product).count() == 2
    dose.refresh_from_db()
    assert dose.vaccine_name == "Gammalt namn"
    html = client_for(cast.alice).get(reverse("journal:patient", args=[ready.patient.pk])).content.decode()
    assert "Gammalt namn" in html
    # Saving the same values again writes no version.
    _product, changed = save(product, name="Nytt namn", disease="TBE", npl_id="20200101000123")
    assert not changed and VaccineProductVersion.objects.filter(product=product).count() == 2


def test_a1_a_product_is_retired_never_deleted(cast):
    product, _ = save()
    dose = register(cast, ready_visit(cast, product=product))
    product, _ = save(product, status="retired")
    assert not product.is_active and product.retired_at is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        VaccineProduct.objects.filter(pk=product.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        VaccineProductVersion.objects.filter(product=product).update(name="x")

    assert product not in OrderForm().fields["product"].queryset
    dose.refresh_from_db()
    assert dose.product_id == product.pk


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"npl_id": "123"}, "npl_id"),
        ({"atc_code": "not-atc"}, "atc_code"),
        ({"diseases": []}, "diseases"),
        ({"diseases": ["plague"]}, "diseases"),
        ({"intervals": "14-30"}, "intervals"),
        ({"intervals": "30-14, 1"}, "intervals"),
        ({"doses_per_vial": "10"}, "hours_after_opening"),
        ({"dose_ml": "-1"}, "dose_ml"),
        ({"booster_min_days": "30"}, "booster_days"),
    ],
)
def test_a1_the_product_form_refuses_bad_values(changes, field):
    form = ProductForm(form_data(**changes))
    assert not form.is_valid()
    assert field in form.errors


def test_a1_a_name_or_npl_id_is_unique():
    save(name="Ett", npl_id="20200101000123")
    assert "name" in ProductForm(form_data(name="ett")).errors
    assert "npl_id" in ProductForm(form_data(name="Två", npl_id="20200101000123")).errors


# --- Catalogue files ------------------------------------------------------------------------------------------


def test_a1_the_starter_catalogue_has_the_demo_vaccines_with_their_programmes():
    counts = catalogue.catalogue_import_text(catalogue.STARTER_CATALOGUE.read_text(encoding="utf-8"))
    assert counts["add"] == 13
    twinrix = VaccineProduct.objects.get(name="Twinrix")
    assert twinrix.diseases == ["hepatitis_a", "hepatitis_b"] and twinrix.disease == "Hepatit A+B"
    assert VaccineProduct.objects.get(name="Gardasil 9").national_programmes == ["childhood"]
    assert VaccineProduct.objects.get(name="Prevenar 20").national_programmes == ["pneumococcal_risk"]
    comirnaty = VaccineProduct.objects.get(name="Comirnaty")
    assert (comirnaty.doses_per_vial, comirnaty.hours_usable_after_opening) == (6, 12)
    assert VaccineProduct.objects.get(name="FSME-Immun").schedule_steps.count() == 2
    # Reading the same file again changes nothing.
    again = catalogue.catalogue_import_text(catalogue.STARTER_CATALOGUE.read_text(encoding="utf-8"))
    assert again == {"add": 0, "change": 0, "unchanged": 13}


def test_a1_a_plan_says_what_is_added_and_changed_before_anything_is():
    save(name="Befintligt", disease="TBE", series_doses="1", intervals="")
    plan = plan_of(
        "Befintligt;;J07BA01;tbe;TBE;Nytt bolag;0.50;im;1;;",
        "Nyheten;;J07BC02;hepatitis_a;;GSK;1.00;im;2;180;childhood",
    )
    assert [r.name for r in plan.added] == ["Nyheten"]
    assert [r.name for r in plan.changed] == ["Befintligt"]
    assert ("Tillverkare", "Testbolaget", "Nytt bolag") in [
        tuple(map(str, c)) for c in plan.changed[0].changes
    ]
    assert not VaccineProduct.objects.filter(name="Nyheten").exists()
    counts = catalogue.catalogue_apply(plan)
    assert counts == {"add": 1, "change": 1, "unchanged": 0}
    assert VaccineProduct.objects.get(name="Befintligt").manufacturer == "Nytt bolag"


def test_a1_a_file_with_an_unknown_column_is_refused_naming_it():
    with pytest.raises(catalogue.CatalogueFileError) as refused:
        plan_of("X;;J07BA01;tbe;;B;0.5;im;1;;", header=HEADER + ";colour")
    assert [(p.row, p.column) for p in refused.value.problems] == [(1, "colour")]
    assert not VaccineProduct.objects.exists()


def test_a1_a_file_with_a_broken_row_is_refused_whole_naming_row_and_column():
    with pytest.raises(catalogue.CatalogueFileError) as refused:
        plan_of(
            "Bra;;J07BA01;tbe;;B;0.50;im;1;;",
            "Trasig;;J07BA01;tbe;;B;mycket;im;1;;",
            "Kort;;J07BA01",
        )
    problems = [(p.row, p.column) for p in refused.value.problems]
    assert (3, "dose_ml") in problems
    assert (4, "") in problems
    assert "Rad 3, kolumn dose_ml" in str(refused.value.problems[0])
    assert not VaccineProduct.objects.exists()


def test_a1_the_command_imports_and_refuses_with_nothing_applied(tmp_path):
    good = tmp_path / "katalog.csv"
    good.write_text(HEADER + "\nKommando;;J07BA01;tbe;;B;0.50;im;1;;\n", encoding="utf-8")
    out = io.StringIO()
    call_command("catalogue_import", str(good), "--dry-run", stdout=out)
    assert "+ Kommando" in out.getvalue() and not VaccineProduct.objects.exists()
    call_command("catalogue_import", str(good), stdout=out)
    assert VaccineProduct.objects.filter(name="Kommando").exists()
    bad = tmp_path / "trasig.csv"
    bad.write_text(HEADER + ";extra\nAnnan;;J07BA01;tbe;;B;0.50;im;1;;;x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="kolumn extra"):
        call_command("catalogue_import", str(bad), stdout=out)
    assert not VaccineProduct.objects.filter(name="Annan").exists()


# --- The maintainer and the screens -------------------------------------------------------------------------


def test_a1_the_maintainer_right_comes_from_the_command_not_a_caregiver_administrator(cast):
    account = UserFactory(caregiver=cast.caregiver_a, username="kim", rights=[])
    call_command("catalogue_maintainer", "kim", stdout=io.StringIO())
    account.refresh_from_db()
    assert account.is_catalogue_maintainer
    assert CatalogueMaintainerChange.objects.get(user=account).by is None
    # A caregiver administrator can neither reach the screens nor grant the right.
    admin = client_for(cast.admin_a)
    assert admin.get(reverse("journal:catalogue")).status_code == 403
    response = admin.post(reverse("journal:catalogue_maintainers"), {"username": "alice", "reason": "x"})
    assert response.status_code == 403

    assert "is_catalogue_maintainer" not in StaffForm(caregiver=cast.caregiver_a).fields
    cast.alice.refresh_from_db()
    assert not cast.alice.is_catalogue_maintainer


def test_a1_a_maintainer_grants_the_right_to_another_and_the_last_one_stays(cast, maintainer):
    client = client_for(maintainer)
    response = client.post(
        reverse("journal:catalogue_maintainers"), {"username": "bob", "reason": "Ersättare"}
    )
    assert response.status_code == 302
    cast.bob.refresh_from_db()
    assert cast.bob.is_catalogue_maintainer
    client.post(reverse("journal:catalogue_maintainer_revoke", args=[cast.bob.pk]), {"reason": "Slutat"})
    cast.bob.refresh_from_db()
    assert not cast.bob.is_catalogue_maintainer
    with pytest.raises(catalogue.CatalogueError, match="minst en"):
        catalogue.maintainer_set(user=maintainer, granted=False, by=maintainer, reason="x")


def test_a1_the_catalogue_is_in_the_navigation_of_maintainers_only(cast, maintainer):
    assert "/katalog/" in client_for(maintainer).get("/").content.decode()
    for user in (cast.alice, cast.admin_a, cast.charlie):
        assert "/katalog/" not in client_for(user).get("/").content.decode()


def test_a1_national_catalogue_urls_answer_403_to_everyone_but_maintainers(cast, maintainer):

    values = {param: provider(cast) for param, provider in ID_PROVIDERS.items()}
    walked = 0
    names = {name.split(":")[1] for name in NATIONAL_URL_NAMES}
    for pattern in get_resolver().url_patterns:
        for entry in getattr(pattern, "url_patterns", []):
            if getattr(entry, "name", None) not in names:
                continue
            params = sorted(entry.pattern.converters)
            url = reverse(f"journal:{entry.name}", kwargs={p: values[p] for p in params})
            for outsider in (cast.alice, cast.admin_a, cast.charlie):
                for method in ("get", "post"):
                    assert getattr(client_for(outsider), method)(url).status_code in (403, 405), url
            assert client_for(maintainer).get(url).status_code < 500
            walked += 1
    assert walked == len(NATIONAL_URL_NAMES)


def test_a1_the_maintainer_adds_and_changes_a_product_on_the_screen(cast, maintainer):
    client = client_for(maintainer)
    response = client.post(reverse("journal:catalogue_product_create"), form_data(name="Skärmvaccin"))
    product = VaccineProduct.objects.get(name="Skärmvaccin")
    assert response.status_code == 302
    response = client.post(
        reverse("journal:catalogue_product", args=[product.pk]),
        form_data(name="Skärmvaccin", manufacturer="Annat bolag", comment="Bytt tillverkare"),
        follow=True,
    )
    html = response.content.decode()
    assert "version 2" in html and "Testbolaget → Annat bolag" in html and "Bytt tillverkare" in html
    bad = client.post(reverse("journal:catalogue_product_create"), form_data(name="", dose_ml="x"))
    assert bad.status_code == 422


def test_a1_the_upload_screen_previews_then_applies(cast, maintainer):
    client = client_for(maintainer)
    content = HEADER + "\nUppladdad;;J07BA01;tbe;;B;0.50;im;1;;\n"
    upload = SimpleUploadedFile("katalog.csv", content.encode(), content_type="text/csv")
    preview = client.post(reverse("journal:catalogue_import"), {"file": upload})
    html = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="import-plan"' in html and "Uppladdad" in html
    assert not VaccineProduct.objects.filter(name="Uppladdad").exists()
    digest = catalogue.catalogue_plan(content).digest
    applied = client.post(
        reverse("journal:catalogue_import"), {"content": content, "digest": digest}, follow=True
    )
    assert "1 tillagda" in applied.content.decode()
    assert VaccineProduct.objects.filter(name="Uppladdad").exists()


def test_a1_the_upload_screen_names_the_bad_row_and_column(cast, maintainer):
    content = HEADER + "\nTrasig;;J07BA01;tbe;;B;mycket;im;1;;\n"
    upload = SimpleUploadedFile("katalog.csv", content.encode(), content_type="text/csv")
    response = client_for(maintainer).post(reverse("journal:catalogue_import"), {"file": upload})
    assert response.status_code == 422
    assert "Rad 2, kolumn dose_ml" in response.content.decode()
    latin1 = SimpleUploadedFile("katalog.csv", "name\nÅ".encode("latin-1"), content_type="text/csv")
    response = client_for(maintainer).post(reverse("journal:catalogue_import"), {"file": latin1})
    assert response.status_code == 422 and "UTF-8" in response.content.decode()


def test_a1_a_stale_preview_is_shown_again_instead_of_applied(cast, maintainer):
    save(name="Ändras", disease="TBE", series_doses="1", intervals="")
    content = HEADER + "\nÄndras;;J07BA01;tbe;TBE;Nytt;0.50;im;1;;\n"
    digest = catalogue.catalogue_plan(content).digest
    save(
        VaccineProduct.objects.get(name="Ändras"),
        name="Ändras",
        disease="TBE",
        series_doses="1",
        intervals="",
        manufacturer="Mellan",
    )
    response = client_for(maintainer).post(
        reverse("journal:catalogue_import"), {"content": content, "digest": digest}
    )
    assert "har ändrats sedan förhandsgranskningen" in response.content.decode()
    assert VaccineProduct.objects.get(name="Ändras").manufacturer == "Mellan"
