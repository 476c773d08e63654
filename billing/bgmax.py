"""Bankgirot's BgMax file of incoming payments: parsing and checking, no database.

BgMax is Bankgirot's documented fixed-width format ("BgMax, teknisk manual"): ISO 8859-1 text, one
record of 80 characters per line, the record type (transaktionskod, TK) in the first two positions.

    01  start of file: "BGMAX", layout version, timestamp, P (production) or T (test)
    05  opening of a deposit: the recipient's bankgiro number, currency
    20  payment: sender's bankgiro, reference (OCR), amount in öre, reference code, channel, BGC serial
    21  deduction (a negative payment), same layout plus a deduction code
    22  extra reference of the payment before it (23: the same, negative)
    25  information text;  26 name;  27, 28 address;  29 organisation number of the payer
    15  deposit: account, payment date, deposit serial, deposit amount, number of payments
    70  end of file: the number of payment, deduction, extra reference and deposit records

Nothing is guessed: a record of an unknown type, a field that is not what the manual says, a count
or a sum that does not agree is refused with the line it is on, and nothing of the file is used.
Written by hand because no kept Python library for BgMax exists; the layout is small and fixed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

RECORD_LENGTH = 80
KNOWN_TYPES = {"01", "05", "20", "21", "22", "23", "25", "26", "27", "28", "29", "15", "70"}
# Reference codes (referenskod) of TK20/21: 0 and 1 no reference, 2 a correct OCR reference,
# 3 several references or an incorrect OCR reference, 4 a reference not checked, 5 an incorrect one.
NO_REFERENCE_CODES = {"0", "1"}


class BgMaxError(ValueError):
    """A file that is not a correct BgMax file. `message` is the Swedish text to show."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        self.message = (
            _("Rad %(line)s: %(message)s") % {"line": line, "message": message} if line else message
        )
        super().__init__(self.message)


@dataclass
class BgMaxPayment:
    line: int
    sender_bankgiro: str
    reference: str
    reference_code: str
    amount: Decimal
    bank_serial: str
    deduction: bool = False
    extra_references: list[str] = field(default_factory=list)
    payer_name: str = ""
    paid_on: dt.date | None = None


@dataclass
class BgMaxDeposit:
    bankgiro: str
    currency: str
    payments: list[BgMaxPayment] = field(default_factory=list)
    paid_on: dt.date | None = None
    amount: Decimal = Decimal("0.00")


@dataclass
class BgMaxFile:
    written_at: dt.datetime
    test: bool
    deposits: list[BgMaxDeposit]

    @property
    def payments(self) -> list[BgMaxPayment]:
        return [payment for deposit in self.deposits for payment in deposit.payments]

    @property
    def bankgiros(self) -> set[str]:
        return {deposit.bankgiro for deposit in self.deposits}


def decode(content: bytes) -> str:
    """BgMax is ISO 8859-1; a file someone saved again as UTF-8 is read as such."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def _digits(record: str, start: int, end: int, what: str, line: int) -> str:
    """Positions `start`–`end` (1-based, inclusive, as in the manual) that must be digits."""
    value = record[start - 1 : end]
    if not value.isdigit():
        raise BgMaxError(
            _("%(what)s (position %(start)s–%(end)s) ska vara siffror, men är ”%(value)s”.")
            % {"what": what, "start": start, "end": end, "value": value.strip()},
            line,
        )
    return value


def _text(record: str, start: int, end: int) -> str:
    return record[start - 1 : end].strip()


def _amount(record: str, start: int, end: int, what: str, line: int) -> Decimal:
    return Decimal(int(_digits(record, start, end, what, line))) / 100


def _date(record: str, start: int, what: str, line: int) -> dt.date:
    value = _digits(record, start, start + 7, what, line)
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise BgMaxError(
            _("%(what)s ”%(value)s” är inget datum.") % {"what": what, "value": value}, line
        ) from None


def bankgiro_display(digits: str) -> str:
    """'0050501055' → '5050-1055' (leading zeros off, a dash before the last four digits)."""
    number = digits.lstrip("0")
    return f"{number[:-4]}-{number[-4:]}" if len(number) > 4 else number


def parse(content: bytes | str) -> BgMaxFile:
    text = decode(content) if isinstance(content, bytes) else content
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise BgMaxError(_("Filen är tom."))
    parser = _Parser()
    for number, raw in enumerate(lines, start=1):
        parser.feed(raw, number)
    return parser.finish(len(lines))


class _Parser:
    def __init__(self):
        self.start = None
        self.deposits: list[BgMaxDeposit] = []
        self.deposit: BgMaxDeposit | None = None
        self.payment: BgMaxPayment | None = None
        self.counts = {"20": 0, "21": 0, "22": 0, "15": 0}
        self.ended = False

    def feed(self, raw: str, line: int) -> None:
        if len(raw) > RECORD_LENGTH:
            raise BgMaxError(
                _("Posten är %(length)s tecken lång; en BgMax-post har högst 80 tecken.")
                % {"length": len(raw)},
                line,
            )
        record = raw.ljust(RECORD_LENGTH)
        kind = record[:2]
        if self.ended:
            raise BgMaxError(_("Det finns poster efter slutposten (70)."), line)
        if self.start is None and kind != "01":
            raise BgMaxError(_("Filen börjar inte med en startpost (01 BGMAX); är det en BgMax-fil?"), line)
        if kind not in KNOWN_TYPES:
            raise BgMaxError(
                _("Okänd posttyp ”%(kind)s”. BgMax har posttyperna 01, 05, 15, 20–29 och 70.")
                % {"kind": kind},
                line,
            )
        getattr(self, f"record_{kind}")(record, line)

    # --- records ------------------------------------------------------------------------------------
    def record_01(self, record: str, line: int) -> None:
        if self.start is not None:
            raise BgMaxError(_("En andra startpost (01)."), line)
        if _text(record, 3, 22) != "BGMAX":
            raise BgMaxError(_("Startposten anger inte layouten BGMAX."), line)
        stamp = _digits(record, 25, 44, _("Tidsstämpeln"), line)
        try:
            # Bankgirot's stamp is the file's own local time, kept as written (shown, never compared).
            written_at = dt.datetime.strptime(stamp[:14], "%Y%m%d%H%M%S")  # noqa: DTZ007
        except ValueError:
            raise BgMaxError(
                _("Tidsstämpeln ”%(value)s” är ingen tidpunkt.") % {"value": stamp}, line
            ) from None
        marker = record[44]
        if marker not in ("P", "T"):
            raise BgMaxError(_("Testmarkeringen (position 45) ska vara P eller T."), line)
        self.start = (written_at, marker == "T")

    def record_05(self, record: str, line: int) -> None:
        if self.deposit is not None:
            raise BgMaxError(_("En ny öppningspost (05) innan insättningsposten (15) för den förra."), line)
        bankgiro = _digits(record, 3, 12, _("Mottagarens bankgironummer"), line)
        currency = _text(record, 23, 25)
        if currency != "SEK":
            raise BgMaxError(
                _("Valutan är ”%(currency)s”; bara SEK tas emot.") % {"currency": currency}, line
            )
        self.deposit = BgMaxDeposit(bankgiro=bankgiro_display(bankgiro), currency=currency)
        self.payment = None

    def _payment_record(self, record: str, line: int, deduction: bool) -> None:
        self._require_deposit(record[:2], line)
        kind = record[:2]
        payment = BgMaxPayment(
            line=line,
            sender_bankgiro=_digits(record, 3, 12, _("Avsändarens bankgironummer"), line).lstrip("0"),
            reference=_text(record, 13, 37),
            amount=_amount(record, 38, 55, _("Beloppet"), line),
            reference_code=_digits(record, 56, 56, _("Referenskoden"), line),
            bank_serial=_digits(record, 58, 69, _("Bankgirots löpnummer"), line),
            deduction=deduction,
        )
        self.counts[kind] += 1
        self.deposit.payments.append(payment)
        self.payment = payment

    def record_20(self, record: str, line: int) -> None:
        self._payment_record(record, line, deduction=False)

    def record_21(self, record: str, line: int) -> None:
        self._payment_record(record, line, deduction=True)

    def record_22(self, record: str, line: int) -> None:
        self._require_payment(record[:2], line)
        self.payment.extra_references.append(_text(record, 13, 37))
        self.counts["22"] += 1

    record_23 = record_22

    def record_25(self, record: str, line: int) -> None:
        self._require_payment(record[:2], line)

    def record_26(self, record: str, line: int) -> None:
        self._require_payment(record[:2], line)
        self.payment.payer_name = " ".join(
            part for part in (_text(record, 3, 37), _text(record, 38, 72)) if part
        )

    record_27 = record_25
    record_28 = record_25
    record_29 = record_25

    def record_15(self, record: str, line: int) -> None:
        self._require_deposit("15", line)
        deposit = self.deposit
        deposit.paid_on = _date(record, 38, _("Betalningsdagen"), line)
        deposit.amount = _amount(record, 51, 68, _("Insättningsbeloppet"), line)
        count = int(_digits(record, 72, 79, _("Antal betalningar"), line))
        if _text(record, 69, 71) != deposit.currency:
            raise BgMaxError(_("Insättningens valuta stämmer inte med öppningsposten."), line)
        if count != len(deposit.payments):
            raise BgMaxError(
                _("Insättningen anger %(stated)s betalningar men innehåller %(found)s.")
                % {"stated": count, "found": len(deposit.payments)},
                line,
            )
        total = sum((-p.amount if p.deduction else p.amount for p in deposit.payments), Decimal("0.00"))
        if total != deposit.amount:
            raise BgMaxError(
                _("Insättningens summa är %(stated)s kr men betalningarna summerar till %(found)s kr.")
                % {"stated": f"{deposit.amount:.2f}", "found": f"{total:.2f}"},
                line,
            )
        for payment in deposit.payments:
            payment.paid_on = deposit.paid_on
        self.counts["15"] += 1
        self.deposits.append(deposit)
        self.deposit = None
        self.payment = None

    def record_70(self, record: str, line: int) -> None:
        if self.deposit is not None:
            raise BgMaxError(_("Slutposten (70) kommer innan insättningsposten (15)."), line)
        stated = {
            "20": int(_digits(record, 3, 10, _("Antal betalningsposter"), line)),
            "21": int(_digits(record, 11, 18, _("Antal avdragsposter"), line)),
            "22": int(_digits(record, 19, 26, _("Antal extra referensposter"), line)),
            "15": int(_digits(record, 27, 34, _("Antal insättningsposter"), line)),
        }
        names = {
            "20": _("betalningsposter"),
            "21": _("avdragsposter"),
            "22": _("extra referensposter"),
            "15": _("insättningsposter"),
        }
        for kind, count in stated.items():
            if count != self.counts[kind]:
                raise BgMaxError(
                    _("Slutposten anger %(stated)s %(what)s men filen har %(found)s.")
                    % {"stated": count, "what": names[kind], "found": self.counts[kind]},
                    line,
                )
        self.ended = True

    # --- order ----------------------------------------------------------------------------------
    def _require_deposit(self, kind: str, line: int) -> None:
        if self.deposit is None:
            raise BgMaxError(
                _("Post %(kind)s står utanför en insättning (saknar öppningspost 05).") % {"kind": kind}, line
            )

    def _require_payment(self, kind: str, line: int) -> None:
        self._require_deposit(kind, line)
        if self.payment is None:
            raise BgMaxError(
                _("Post %(kind)s står inte efter en betalningspost (20 eller 21).") % {"kind": kind}, line
            )

    def finish(self, last_line: int) -> BgMaxFile:
        if not self.ended:
            raise BgMaxError(_("Filen saknar slutpost (70); den kan vara avkortad."), last_line)
        written_at, test = self.start
        return BgMaxFile(written_at=written_at, test=test, deposits=self.deposits)


# --- Writing (test files, the benchmark and the demo) ---------------------------------------------


@dataclass
class OutgoingPayment:
    reference: str
    amount: Decimal
    bank_serial: str
    payer_name: str = ""
    sender_bankgiro: str = "9912346"
    reference_code: str = "2"


def write(
    *, bankgiro: str, paid_on: dt.date, payments: list[OutgoingPayment], written_at=None, test=False
) -> bytes:
    """A BgMax file with one deposit, as Bankgirot writes it (for tests, the demo and the benchmark)."""
    written_at = written_at or dt.datetime.combine(paid_on, dt.time(6, 0))
    digits = bankgiro.replace("-", "")
    lines = [
        f"01{'BGMAX':<20}01{written_at:%Y%m%d%H%M%S}000000{'T' if test else 'P'}".ljust(80),
        f"05{digits:0>10}{'':10}SEK".ljust(80),
    ]
    total = Decimal("0.00")
    for payment in payments:
        ore = int((payment.amount * 100).to_integral_value())
        lines.append(
            f"20{payment.sender_bankgiro:0>10}{payment.reference:<25}{ore:018d}{payment.reference_code}1"
            f"{payment.bank_serial:0>12}0".ljust(80)
        )
        if payment.payer_name:
            lines.append(f"26{payment.payer_name[:35]:<35}".ljust(80))
        total += payment.amount
    ore_total = int((total * 100).to_integral_value())
    lines.append(f"15{'':35}{paid_on:%Y%m%d}{1:05d}{ore_total:018d}SEK{len(payments):08d}".ljust(80))
    lines.append(f"70{len(payments):08d}{0:08d}{0:08d}{1:08d}".ljust(80))
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")
