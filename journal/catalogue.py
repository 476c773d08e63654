"""The national vaccine catalogue: changing products, reading catalogue files, and who may do either.

Every change of a product goes through `product_save`, which writes a new VaccineProductVersion when
anything changed; a dose points at the version it was given under. A product is retired, never deleted.
A catalogue file (format in docs/catalogue.md) is read into a plan (what will be added and changed)
that is shown before it is applied; a file with an unknown column or a bad row is refused as a whole,
naming the row and the column.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journal.catalogue_forms import STATUS_ACTIVE, STATUS_RETIRED, ProductForm, format_intervals
from journal.models import Disease, ScheduleStep, VaccineProduct, VaccineProductVersion
from mittvaccin.exports import csv_rows, csv_text
from mittvaccin.models import CatalogueMaintainerChange, User

STARTER_CATALOGUE = Path(__file__).resolve().parent / "data" / "catalogue.csv"

# The catalogue's values as a version keeps them (the schedule's intervals are added to them).
SNAPSHOT_FIELDS = [
    "name",
    "npl_id",
    "atc_code",
    "disease",
    "diseases",
    "national_programmes",
    "manufacturer",
    "default_dose_ml",
    "default_route",
    "doses_per_vial",
    "hours_usable_after_opening",
    "min_age_days",
    "max_age_years",
    "series_doses",
    "booster_min_days",
    "booster_days",
    "is_active",
]

# Form field → model field, where they differ.
FORM_TO_MODEL = {
    "dose_ml": "default_dose_ml",
    "route": "default_route",
    "hours_after_opening": "hours_usable_after_opening",
}

# The columns of a catalogue file, in the order the starter file uses (docs/catalogue.md describes each).
COLUMNS = [
    "name",
    "npl_id",
    "atc_code",
    "diseases",
    "disease",
    "manufacturer",
    "dose_ml",
    "route",
    "doses_per_vial",
    "hours_after_opening",
    "min_age_days",
    "max_age_years",
    "series_doses",
    "intervals",
    "booster_min_days",
    "booster_days",
    "national_programmes",
    "status",
]
REQUIRED_COLUMNS = ["name", "diseases", "manufacturer", "dose_ml"]
LIST_COLUMNS = {"diseases", "national_programmes"}


class CatalogueError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_maintainer(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_catalogue_maintainer)


# --- Products and their versions -----------------------------------------------------------------------


def _snapshot(product: VaccineProduct, intervals: list[tuple[int, int]]) -> dict:
    data = {name: getattr(product, name) for name in SNAPSHOT_FIELDS}
    data["default_dose_ml"] = f"{product.default_dose_ml:.2f}"
    data["diseases"] = list(product.diseases)
    data["national_programmes"] = list(product.national_programmes)
    data["intervals"] = [list(pair) for pair in intervals]
    return data


def _current_intervals(product: VaccineProduct) -> list[tuple[int, int]]:
    if product.pk is None:
        return []
    return [(s.min_days, s.recommended_days) for s in product.schedule_steps.order_by("dose_number")]


def disease_label(codes: list[str]) -> str:
    """The Swedish display text of a list of diseases (stored text is Swedish, like the journal's)."""
    with translation.override("sv"):
        labels = dict(Disease.choices)
        return ", ".join(str(labels.get(code, code)) for code in codes)


def _values_from_form(data: dict) -> dict:
    values = {}
    for name, value in data.items():
        if name in {"intervals", "status", "comment"}:
            continue
        values[FORM_TO_MODEL.get(name, name)] = value
    if not values.get("disease"):
        values["disease"] = disease_label(values.get("diseases") or [])
    values["is_active"] = data.get("status", STATUS_ACTIVE) != STATUS_RETIRED
    return values


def _write_version(
    product: VaccineProduct, intervals, *, user, source: str, comment: str
) -> VaccineProductVersion:
    version = VaccineProductVersion.objects.create(
        product=product,
        version=product.version,
        name=product.name,
        npl_id=product.npl_id,
        atc_code=product.atc_code,
        disease=product.disease,
        diseases=list(product.diseases),
        national_programmes=list(product.national_programmes),
        manufacturer=product.manufacturer,
        data=_snapshot(product, intervals),
        changed_by=user,
        source=source,
        comment=comment[:300],
    )
    VaccineProduct.objects.filter(pk=product.pk).update(current_version=version)
    product.current_version = version
    return version


def ensure_current_version(product: VaccineProduct) -> VaccineProductVersion:
    """The version row of the product's current values, written now if the product was made without one.

    Products are made through `product_save`; this covers rows loaded by other means (bulk loaders).
    """
    if product.current_version_id:
        return product.current_version
    with transaction.atomic():
        locked = VaccineProduct.objects.select_for_update().get(pk=product.pk)
        if locked.current_version_id is None:
            _write_version(locked, _current_intervals(locked), user=None, source="installation", comment="")
        product.current_version_id = locked.current_version_id
        product.current_version = locked.current_version
    return product.current_version


def version_id_of(product: VaccineProduct) -> int:
    """The id of the version a dose of `product` is recorded under now (no query for catalogued products)."""
    return product.current_version_id or ensure_current_version(product).pk


@transaction.atomic
def product_save(
    *, product: VaccineProduct | None, data: dict, user=None, source: str = "screen", comment: str = ""
) -> tuple[VaccineProduct, bool]:
    """Create or change a catalogue product from the cleaned ProductForm `data`.

    Returns (product, changed). A change writes version n+1; saving the same values writes nothing.
    Retiring keeps every dose, order and batch of the product; it only leaves the choices.
    """
    values = _values_from_form(data)
    intervals = list(data.get("intervals") or [])
    now = timezone.now()
    if product is None:
        product = VaccineProduct(**values, version=1)
        if not product.is_active:
            product.retired_at = now
        try:
            with transaction.atomic():
                product.save(force_insert=True)
        except IntegrityError as error:
            raise CatalogueError(
                _("Produkten %(name)s finns redan (namn eller NPL-id).") % {"name": values.get("name")}
            ) from error
        _set_intervals(product, intervals)
        _write_version(product, intervals, user=user, source=source, comment=comment)
        return product, True

    product = VaccineProduct.objects.select_for_update().get(pk=product.pk)
    before = _snapshot(product, _current_intervals(product))
    was_active = product.is_active
    for name, value in values.items():
        setattr(product, name, value)
    if was_active and not product.is_active:
        product.retired_at = now
    elif product.is_active:
        product.retired_at = None
    after = _snapshot(product, intervals)
    if before == after and product.current_version_id:
        return product, False
    product.version += 1 if product.current_version_id else 0
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as error:
        raise CatalogueError(_("Namnet eller NPL-id används redan av en annan produkt.")) from error
    _set_intervals(product, intervals)
    _write_version(product, intervals, user=user, source=source, comment=comment)
    return product, True


def _set_intervals(product: VaccineProduct, intervals: list[tuple[int, int]]) -> None:
    # The current schedule is working data; the versions keep every earlier one.
    ScheduleStep.objects.filter(product=product, dose_number__gt=len(intervals) + 1).delete()
    for index, (low, high) in enumerate(intervals, start=2):
        ScheduleStep.objects.update_or_create(
            product=product, dose_number=index, defaults={"min_days": low, "recommended_days": high}
        )


def version_changes(version: VaccineProductVersion, previous: VaccineProductVersion | None) -> list[tuple]:
    """(field label, before, after) between two versions, for the product's history page."""
    if previous is None:
        return []
    labels = dict(FIELD_LABELS)
    changes = []
    for key, value in version.data.items():
        old = previous.data.get(key)
        if old != value:
            changes.append((labels.get(key, key), _display(key, old), _display(key, value)))
    return changes


FIELD_LABELS = [
    ("name", gettext_lazy("Produktnamn")),
    ("npl_id", gettext_lazy("NPL-id")),
    ("atc_code", gettext_lazy("ATC-kod")),
    ("disease", gettext_lazy("Visningstext för skyddet")),
    ("diseases", gettext_lazy("Skyddar mot")),
    ("national_programmes", gettext_lazy("Nationella program")),
    ("manufacturer", gettext_lazy("Tillverkare")),
    ("default_dose_ml", gettext_lazy("Standarddos (ml)")),
    ("default_route", gettext_lazy("Administrationssätt")),
    ("doses_per_vial", gettext_lazy("Doser per förpackning")),
    ("hours_usable_after_opening", gettext_lazy("Hållbar efter öppning (timmar)")),
    ("min_age_days", gettext_lazy("Lägsta godkända ålder (dagar)")),
    ("max_age_years", gettext_lazy("Högsta godkända ålder (år)")),
    ("series_doses", gettext_lazy("Doser i grundserien")),
    ("intervals", gettext_lazy("Intervall i grundserien (dagar)")),
    ("booster_min_days", gettext_lazy("Påfyllnad tidigast (dagar)")),
    ("booster_days", gettext_lazy("Påfyllnad rekommenderas efter (dagar)")),
    ("is_active", gettext_lazy("I sortimentet")),
]


def _display(key: str, value) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if key == "intervals":
        return format_intervals(value)
    if key == "is_active":
        return _("Ja") if value else _("Nej (utgått)")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


# --- Catalogue files -------------------------------------------------------------------------------------


@dataclass
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Rad %(row)d, kolumn %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Rad %(row)d: %(message)s") % {"row": self.row, "message": self.message}


class CatalogueFileError(Exception):
    """The file is refused as a whole; `problems` names every row and column that is wrong."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class PlannedRow:
    row: int
    action: str  # "add", "change", "unchanged"
    name: str
    product: VaccineProduct | None
    data: dict
    changes: list[tuple] = field(default_factory=list)


@dataclass
class CataloguePlan:
    rows: list[PlannedRow]
    digest: str

    @property
    def added(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.action == "add"]

    @property
    def changed(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.action == "change"]

    @property
    def unchanged(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.action == "unchanged"]


def _read_rows(text: str) -> tuple[list[str], list[tuple[int, dict]], list[RowProblem]]:
    """The header and the rows of a file; rows of the wrong length come back as problems."""
    text = text.lstrip("\ufeff")
    lines = list(text.splitlines())
    first = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    delimiter = ";" if ";" in first or "," not in first else ","
    reader = csv_rows(text, delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, dict]] = []
    problems: list[RowProblem] = []
    for number, cells in enumerate(reader, start=1):
        if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [c.strip().lower() for c in cells]
            unknown = [c for c in header if c not in COLUMNS]
            for column in unknown:
                problems.append(
                    RowProblem(
                        number,
                        column or "''",
                        _("okänd kolumn. Kända kolumner: %(columns)s.") % {"columns": ", ".join(COLUMNS)},
                    )
                )
            for column in REQUIRED_COLUMNS:
                if column not in header:
                    problems.append(RowProblem(number, column, _("kolumnen saknas.")))
            seen = set()
            for column in header:
                if column in seen:
                    problems.append(RowProblem(number, column, _("kolumnen finns två gånger.")))
                seen.add(column)
            if problems:
                raise CatalogueFileError(problems)
            continue
        if len(cells) != len(header):
            problems.append(
                RowProblem(
                    number,
                    "",
                    _("raden har %(n)d fält men rubrikraden %(m)d.") % {"n": len(cells), "m": len(header)},
                )
            )
            continue
        rows.append((number, {column: cell.strip() for column, cell in zip(header, cells, strict=True)}))
    if header is None:
        raise CatalogueFileError([RowProblem(1, "", _("filen är tom."))])
    if not rows and not problems:
        raise CatalogueFileError([RowProblem(1, "", _("filen har ingen produktrad."))])
    return header, rows, problems


def _match(cells: dict) -> VaccineProduct | None:
    npl = cells.get("npl_id", "")
    if npl:
        found = VaccineProduct.objects.filter(npl_id=npl).first()
        if found is not None:
            return found
    name = " ".join(cells.get("name", "").split())
    return VaccineProduct.objects.filter(name__iexact=name).first() if name else None


def _form_data(product: VaccineProduct | None, cells: dict) -> dict:
    """The form's data for one row: the product's current values, overlaid with the row's columns."""
    base = ProductForm.initial_for(product) if product is not None else {}
    data: dict = {}
    for key, value in base.items():
        data[key] = value if isinstance(value, list) else ("" if value is None else str(value))
    for column, cell in cells.items():
        if column in LIST_COLUMNS:
            data[column] = [part.strip() for part in cell.replace("|", ",").split(",") if part.strip()]
        else:
            data[column] = cell
    data.setdefault("status", STATUS_ACTIVE)
    data.setdefault("series_doses", "1")
    data.setdefault("doses_per_vial", "1")
    data.setdefault("route", "im")
    data.setdefault("intervals", "")
    return data


class _Data(dict):
    """A plain dict that answers the form's `getlist` for the list columns."""

    def getlist(self, key):
        value = self.get(key, [])
        return value if isinstance(value, list) else [value]


def catalogue_plan(text: str) -> CataloguePlan:
    """Read a catalogue file into what applying it would do. Raises CatalogueFileError, nothing is changed."""
    _header, rows, problems = _read_rows(text)
    planned: list[PlannedRow] = []
    seen_products: dict[int, int] = {}
    seen_names: dict[str, int] = {}
    for number, cells in rows:
        product = _match(cells)
        data = _form_data(product, cells)
        form = ProductForm(_Data(data), product=product)
        if not form.is_valid():
            for name, errors in form.errors.items():
                column = name if name != "__all__" else ""
                problems.append(RowProblem(number, column, " ".join(errors)))
            continue
        key = form.cleaned_data["name"].lower()
        if key in seen_names:
            problems.append(
                RowProblem(number, "name", _("samma produkt som på rad %(row)d.") % {"row": seen_names[key]})
            )
            continue
        seen_names[key] = number
        if product is not None:
            if product.pk in seen_products:
                problems.append(
                    RowProblem(
                        number,
                        "npl_id",
                        _("samma produkt som på rad %(row)d.") % {"row": seen_products[product.pk]},
                    )
                )
                continue
            seen_products[product.pk] = number
        if product is None:
            planned.append(PlannedRow(number, "add", form.cleaned_data["name"], None, form.cleaned_data))
            continue
        before = _snapshot(product, _current_intervals(product))
        probe = VaccineProduct(
            **{f.attname: getattr(product, f.attname) for f in VaccineProduct._meta.concrete_fields}
        )
        for name, value in _values_from_form(form.cleaned_data).items():
            setattr(probe, name, value)
        after = _snapshot(probe, list(form.cleaned_data["intervals"]))
        labels = dict(FIELD_LABELS)
        changes = [
            (labels.get(key, key), _display(key, before.get(key)), _display(key, after[key]))
            for key in after
            if before.get(key) != after[key]
        ]
        action = "change" if changes else "unchanged"
        planned.append(
            PlannedRow(number, action, form.cleaned_data["name"], product, form.cleaned_data, changes)
        )
    if problems:
        raise CatalogueFileError(sorted(problems, key=lambda p: (p.row, p.column)))
    digest = hashlib.sha256(
        json.dumps(
            [
                (
                    r.action,
                    r.name,
                    r.product.pk if r.product else None,
                    r.product.version if r.product else None,
                    [list(map(str, c)) for c in r.changes],
                )
                for r in planned
            ],
            default=str,
        ).encode()
    ).hexdigest()
    return CataloguePlan(planned, digest)


@transaction.atomic
def catalogue_apply(plan: CataloguePlan, *, user=None, source: str = "import", comment: str = "") -> dict:
    """Apply a plan in one transaction: every row or none. Returns counts by action."""
    counts = {"add": 0, "change": 0, "unchanged": 0}
    for row in plan.rows:
        if row.action == "unchanged":
            counts["unchanged"] += 1
            continue
        _product, changed = product_save(
            product=row.product, data=row.data, user=user, source=source, comment=comment
        )
        counts[row.action if changed else "unchanged"] += 1
    return counts


def catalogue_import_text(text: str, *, user=None, source: str = "import", comment: str = "") -> dict:
    return catalogue_apply(catalogue_plan(text), user=user, source=source, comment=comment)


def catalogue_export_text() -> str:
    """The whole catalogue in the file format (what the maintainer downloads, edits and uploads again)."""
    rows = []
    for product in VaccineProduct.objects.prefetch_related("schedule_steps").order_by("name"):
        initial = ProductForm.initial_for(product)
        row = []
        for column in COLUMNS:
            value = initial.get(column)
            if isinstance(value, list):
                value = ",".join(value)
            row.append("" if value is None else str(value))
        rows.append(row)
    # Through the one formula-safe writer; no BOM, so the file reads back as it was written.
    return csv_text(COLUMNS, rows, bom=False)


# --- Who maintains the catalogue --------------------------------------------------------------------------


@transaction.atomic
def maintainer_set(
    *, user: User, granted: bool, by: User | None, reason: str = ""
) -> CatalogueMaintainerChange:
    """Make an account catalogue maintainer or stop it being one. `by` None: the management command.

    Only a maintainer grants or withdraws through the screens; the last maintainer is never removed there.
    """
    if by is not None and not is_maintainer(by):
        raise CatalogueError(_("Bara den som förvaltar katalogen kan ge eller ta bort rätten."))
    if by is not None and not reason.strip():
        raise CatalogueError(_("Ange skälet."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_catalogue_maintainer == granted:
        raise CatalogueError(
            _("%(name)s förvaltar redan katalogen.") % {"name": user}
            if granted
            else _("%(name)s förvaltar inte katalogen.") % {"name": user}
        )
    if not granted and by is not None:
        others = (
            User.objects.select_for_update()
            .filter(is_catalogue_maintainer=True, is_active=True)
            .exclude(pk=user.pk)
        )
        if not others.exists():
            raise CatalogueError(_("Katalogen måste ha minst en förvaltare."))
    if granted and not user.is_active:
        raise CatalogueError(_("Kontot är inte aktivt."))
    User.objects.filter(pk=user.pk).update(is_catalogue_maintainer=granted)
    return CatalogueMaintainerChange.objects.create(user=user, granted=granted, by=by, reason=reason.strip())
