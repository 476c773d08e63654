"""Computed styles that a process keeps from one PDF to the next (WeasyPrint 70's `StyleFor`).

WeasyPrint styles every document from nothing: it matches each element against the stylesheets and
then computes, one by one, every property the layout asks for (about a quarter of an invoice's
render, profiled). A worker's next invoice has the same elements with the same classes; only the
texts differ. Within one document WeasyPrint already gives elements with the same parent style and
the same matched rules one computed style (`StyleFor.__init__`'s `computed_cache`); this keeps such
styles across documents:

- A style is kept only where every stylesheet lives as long as the process (the user agent's and
  the files `mittvaccin.pdf` parses once), so that a rule is known by its identity. A document with a
  stylesheet of its own (a `<style>` element: the certificate, the day list) is styled as WeasyPrint
  does it.
- The key of an element is its parent's kept style, its own declarations (the `lang` attribute
  becomes one) as text, and the rules it matched: what the computed values are made of.
- A kept style has every property computed once, when first seen. Each document gets a copy, because
  the layout writes into styles (a table's margins move to its wrapper box).

`SharedStyleFor.__init__` repeats the steps of WeasyPrint's own, so it is installed only with the
version whose steps it repeats (`WEASYPRINT_VERSION`; a test fails on another): after an upgrade,
compare the two and bump it.
"""

from __future__ import annotations

import itertools
from math import inf

import weasyprint
from weasyprint import css
from weasyprint.css import (
    ComputedStyle,
    InitialStyle,
    StyleFor,
    declaration_precedence,
    find_style_attributes,
    preprocess_declarations,
)
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.html import UA_FORM_STYLESHEET, UA_STYLESHEET

WEASYPRINT_VERSION = "70.0"
# Kept styles by key; emptied when full (a document's copies do not need them). Invoices, reminders
# and their variants need about a hundred.
KEPT_MAX = 4096
_kept: dict[tuple, ComputedStyle] = {}
_serials = itertools.count()
_uncomputed: set[str] = set()  # properties a kept style could not compute alone (none, for our CSS)
_anchor_named: dict[int, bool] = {}  # by the identity of a lasting stylesheet's declarations
# Identities of the stylesheets and font configurations that live as long as the process.
_lasting: set[int] = set()


def lasting(thing):
    """Mark a stylesheet or font configuration that lives as long as the process; returns it."""
    _lasting.add(id(thing))
    return thing


def install() -> None:
    """Style every document this process renders with `SharedStyleFor` (idempotent)."""
    if weasyprint.__version__ != WEASYPRINT_VERSION:
        return
    lasting(UA_STYLESHEET)
    lasting(UA_FORM_STYLESHEET)
    css.StyleFor = SharedStyleFor


def kept_count() -> int:
    return len(_kept)


def _cascade(cascaded_styles, key, declarations, origin, layer_order, specificity):
    style = cascaded_styles.setdefault(key, {})
    for name, values, importance in declarations:
        weight = (declaration_precedence(origin, importance), layer_order, specificity)
        old_weight = style.get(name, (None, None))[1]
        if old_weight is None or old_weight <= weight:
            style[name] = values, weight


def _names_anchor(declarations) -> bool:
    # The declarations of a lasting stylesheet live as long as the process: asked once each.
    names = _anchor_named.get(id(declarations))
    if names is None:
        names = _anchor_named[id(declarations)] = any(
            name == "anchor" for name, _value, _important in declarations
        )
    return names


def _kept_style(key, cascaded, parent, root, base_url, font_config) -> ComputedStyle:
    style = ComputedStyle(
        parent,
        cascaded,
        None,
        root or InitialStyle(font_config),
        base_url,
        font_config,
        {"box": None, "area": None},
    )
    for name in INITIAL_VALUES:
        try:
            style[name]
        except Exception:
            # Left for each document's copy to compute, as WeasyPrint would (a viewport unit needs
            # the document's first page).
            style.pop(name, None)
            _uncomputed.add(name)
    style.serial = next(_serials)
    if len(_kept) >= KEPT_MAX:
        _kept.clear()
    _kept[key] = style
    return style


class SharedStyleFor(StyleFor):
    """`StyleFor` whose elements' computed styles are copies of styles kept from earlier documents."""

    def __init__(self, html, sheets, presentational_hints, font_config, target_collector):
        lasting_sheets = all(id(sheet) in _lasting for sheet, _origin, _specificity in sheets)
        if presentational_hints or id(font_config) not in _lasting or not lasting_sheets:
            super().__init__(html, sheets, presentational_hints, font_config, target_collector)
            return
        # The same steps as StyleFor.__init__, with the kept styles where it computes them.
        self._cascaded_styles = cascaded_styles = {}
        self._computed_styles = computed_styles = {}
        self.initial_page_sizes = {"box": None, "area": None}
        self._sheets = sheets
        self.font_config = font_config
        base_url = html.base_url
        root = html.etree_element

        own_declarations = {}
        for specificity, element, declarations, declarations_base_url in find_style_attributes(
            root, presentational_hints, base_url
        ):
            own_declarations[element] = tuple(declarations)
            _cascade(
                cascaded_styles,
                (element, None),
                preprocess_declarations(declarations_base_url, declarations),
                "author",
                inf,
                specificity,
            )

        document_key = (
            base_url,
            tuple((id(sheet), origin, specificity) for sheet, origin, specificity in sheets),
        )
        kept_of = {}  # element: its kept style, for its children's keys
        # A pseudo-element's style is computed when the boxes ask for it, from its element's copy: the
        # user agent's rules give every element six (::marker, ::footnote-call, …), and few are
        # drawn. One that would name an anchor is computed now, as WeasyPrint does, to collect it.
        self._root = root
        self._target_collector = target_collector
        self._pending = pending = {}  # (element, pseudo-element): its rules, not yet cascaded
        for element in html.wrapper_element.iter_subtree():
            etree_element = element.etree_element
            parent = element.parent.etree_element if element.parent else None
            matched = []
            rules = []
            for sheet, origin, sheet_specificity in sheets:
                for specificity, _order, pseudo_type, (declarations, layer) in sheet.matcher.match(element):
                    layer_order = inf if layer is None else sheet.layers.index(layer)
                    matched.append((id(sheet), specificity, id(declarations), layer_order))
                    rule = (declarations, origin, layer_order, sheet_specificity or specificity)
                    if pseudo_type:
                        pending.setdefault((etree_element, pseudo_type), []).append(rule)
                    else:
                        rules.append(rule)
            own = own_declarations.get(etree_element)
            parent_kept = kept_of[parent] if parent is not None else None
            key = (
                parent_kept.serial if parent_kept is not None else document_key,
                None if own is None else tuple(declaration.serialize() for declaration in own),
                tuple(matched),
            )
            kept = _kept.get(key)
            if kept is None:
                # Only a new style needs its cascade: a kept one was computed from the same.
                for rule in rules:
                    _cascade(cascaded_styles, (etree_element, None), *rule)
                kept = _kept_style(
                    key,
                    cascaded_styles.get((etree_element, None), {}),
                    parent_kept,
                    kept_of[root] if parent is not None else None,
                    base_url,
                    font_config,
                )
            kept_of[etree_element] = kept
            style = computed_styles[etree_element, None] = ComputedStyle(
                kept.parent_style,
                kept.cascaded,
                None,
                kept.root_style,
                base_url,
                font_config,
                self.initial_page_sizes,
            )
            style.update(kept)
            style.specified = dict(kept.specified)
            if target_collector and style["anchor"]:
                target_collector.collect_anchor(style["anchor"])

        for (element, pseudo_type), rules in list(pending.items()):
            if any(_names_anchor(declarations) for declarations, *_rest in rules):
                self._pseudo_style(element, pseudo_type)
        self._cascaded_styles.clear()

    def _pseudo_style(self, element, pseudo_type):
        for rule in self._pending.pop((element, pseudo_type)):
            _cascade(self._cascaded_styles, (element, pseudo_type), *rule)
        self.set_computed_styles(
            element,
            pseudo_type=pseudo_type,
            root=self._root,
            parent=element,
            base_url=self._computed_styles[element, None].base_url,
            target_collector=self._target_collector,
        )
        del self._cascaded_styles[element, pseudo_type]

    def __call__(self, element, pseudo_type=None):
        if pseudo_type and (element, pseudo_type) in getattr(self, "_pending", ()):
            self._pseudo_style(element, pseudo_type)
        return super().__call__(element, pseudo_type)
