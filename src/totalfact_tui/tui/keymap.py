"""User keymaps: ``[keymap]`` in the config file remaps any binding by its id
(``"detail.log_call" = "L"``; several keys separated by commas). Entries that name no
binding, or keys that cannot be typed, are reported at start and left out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from textual.binding import Binding

_KEY = re.compile(r"^(?:(?:ctrl|shift|alt|super|meta)\+)*(?:[a-z0-9_]+|[^\s,])$", re.IGNORECASE)


def binding_ids() -> set[str]:
    """Every binding id of the application's screens and forms."""
    from totalfact_tui.tui.app import TotalfactApp
    from totalfact_tui.tui.modals.form import FormModal
    from totalfact_tui.tui.modals.item_actions import ItemActionsModal
    from totalfact_tui.tui.modals.log_call import LogCallModal
    from totalfact_tui.tui.screens.agenda import AgendaScreen
    from totalfact_tui.tui.screens.detail import DetailScreen

    owners: Iterable[type] = (
        TotalfactApp,
        AgendaScreen,
        DetailScreen,
        FormModal,
        LogCallModal,
        ItemActionsModal,
    )
    ids: set[str] = set()
    for owner in owners:
        for binding in getattr(owner, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids


def check_keymap(keymap: Mapping[str, object], known: set[str]) -> tuple[dict[str, str], list[str]]:
    """The usable entries (id -> keys) and one line per bad entry."""
    good: dict[str, str] = {}
    bad: list[str] = []
    for binding_id, value in keymap.items():
        if binding_id not in known:
            bad.append(f"{binding_id}: ?")
            continue
        if not isinstance(value, str) or not value.strip():
            bad.append(f"{binding_id} = {value!r}")
            continue
        keys = [key.strip() for key in value.split(",")]
        if not all(key and _KEY.match(key) for key in keys):
            bad.append(f"{binding_id} = {value!r}")
            continue
        good[binding_id] = ",".join(keys)
    return good, bad
