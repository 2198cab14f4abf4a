"""The codebook panel: the tree of categories and factors with counts; read, filter, edit.

Typing filters the tree (accents ignored); the arrows move in it; the
selected code's description, inclusion and exclusion notes and examples are
shown beside it. F2 edits a code, Ctrl+N adds a child code, F3 moves a code
(with its subcodes) under another code or to the top level (the picker's first
entry), Ctrl+Up/Ctrl+Down move it among its
siblings, F4 merges it into another code, F8 removes it (asking first, with
the counts, when it has codings); each is saved in the project at once and
undoable with Ctrl+Z. Ctrl+S writes the codebook to a YAML file. Opened from
the coding screen, Enter applies the selected code to the selection.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Footer, Input, Static, Tree

from codering.tui.colors import code_colors
from codering.tui.dialogs import ChoiceDialog, CodeForm, CodePicker, TextDialog
from codering.tui.dialogs.forms import CodeFields
from codering.tui.dialogs.picker import TOP_LEVEL
from codering.coding.search import CodeIndex
from codering.tui.messages import guarded
from codering.tui.screens.base import AppScreen, undo_message
from codering.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from codering.codebook import Codebook
    from codering.store import CodeUsage, Project


def _n(n: int, one: str, more: str) -> str:
    return f"{n} {one if n == 1 else more}"


def said_usage(usage: "CodeUsage") -> str:
    """'12 coderingen in 3 transcripten en 1 memo' (what a merge or removal takes along)."""
    text = f"{_n(usage.codings, 'codering', 'coderingen')} in {_n(usage.transcripts, 'transcript', 'transcripten')}"
    memos = _n(usage.memos, "memo", "memo's")
    return text + (f" en {memos}" if usage.memos else "")


def code_counts(project: "Project", codebook: "Codebook") -> dict[str, int]:
    """Codings per code, a code counting for itself and every ancestor."""
    own: dict[str, int] = project.stats()["per_code"]
    totals: dict[str, int] = {}
    for code_id, n in own.items():
        if code_id in codebook:
            for counted in codebook.counts_for(code_id):
                totals[counted] = totals.get(counted, 0) + n
    return totals


class CodebookScreen(AppScreen[str | None]):
    """Browse, filter and edit the project's codebook."""

    HELP_TITLE = "Toetsen — Codeboek"

    BINDINGS = [
        Binding("enter", "choose", "Toepassen / openen", id="codebook.choose",
                tooltip="De gekozen code toepassen op de selectie (geopend vanuit een transcript), anders haar "
                        "subcodes tonen of verbergen"),
        Binding("down", "cursor(1)", "Omlaag", show=False, id="codebook.down",
                tooltip="Naar de volgende code"),
        Binding("up", "cursor(-1)", "Omhoog", show=False, id="codebook.up",
                tooltip="Naar de vorige code"),
        Binding("pagedown", "cursor(10)", show=False, id="codebook.pagedown"),
        Binding("pageup", "cursor(-10)", show=False, id="codebook.pageup"),
        Binding("f2", "edit", "Bewerken", id="codebook.edit",
                tooltip="Label, omschrijving en voorbeelden van de code bewerken"),
        Binding("ctrl+n", "new_child", "Nieuwe subcode", id="codebook.new",
                tooltip="Een nieuwe code onder de gekozen code toevoegen"),
        Binding("f3", "move", "Verplaatsen", id="codebook.move",
                tooltip="De code (met haar subcodes) onder een andere code of op het bovenste niveau zetten; haar id "
                        "blijft"),
        Binding("ctrl+up", "shift(-1)", "Hoger", show=False, id="codebook.higher",
                tooltip="De code één plaats hoger zetten tussen de codes onder dezelfde bovencode"),
        Binding("ctrl+down", "shift(1)", "Lager", show=False, id="codebook.lower",
                tooltip="De code één plaats lager zetten tussen de codes onder dezelfde bovencode"),
        Binding("f4", "merge", "Samenvoegen", id="codebook.merge",
                tooltip="De code samenvoegen in een andere: haar coderingen, beslissingen, memo's en subcodes "
                        "gaan mee, de code zelf verdwijnt"),
        Binding("f8", "remove", "Verwijderen", id="codebook.remove",
                tooltip="De code en haar subcodes verwijderen; met coderingen eerst een vraag"),
        Binding("ctrl+s", "write_yaml", "Naar YAML", id="codebook.yaml",
                tooltip="Het codeboek van het project als YAML-bestand wegschrijven"),
        Binding("ctrl+z", "undo", "Ongedaan", id="codebook.undo",
                tooltip="Je laatste actie ongedaan maken"),
        Binding("f1", "help", "Toetsen", id="codebook.help",
                tooltip="Deze lijst: wat elke toets op dit scherm doet"),
        Binding("escape", "back", "Terug", id="codebook.back",
                tooltip="Terug naar het vorige scherm"),
    ]

    filter_text: reactive[str] = reactive("")
    """The filter typed by the researcher: only matching codes (and their parents) are shown."""

    def __init__(self, project: "Project", coder: str, can_apply: bool = False) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.can_apply = can_apply
        self._load()

    def _load(self) -> None:
        self.codebook = self.project.codebook()
        self.palette = code_colors(self.codebook)
        self.counts = code_counts(self.project, self.codebook)
        self.index = CodeIndex(self.codebook, codable_only=False)

    def compose(self) -> ComposeResult:
        book = self.codebook
        yield Static(f"Codeboek: {book.name} ({len(book)} codes)", id="codebook-title")
        yield Input(placeholder="typ om te filteren (label, id, omschrijving)…", id="codebook-filter")
        with Horizontal(id="codebook-body"):
            tree: Tree[str] = Tree("codes", id="codebook-tree")
            tree.show_root = False
            tree.can_focus = False
            yield tree
            with VerticalScroll(id="codebook-detail"):
                yield Static("", id="code-detail")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#codebook-filter", Input).focus()
        if self.can_apply:
            self.query_one(StatusLine).message = "Enter past de gekozen code toe op de selectie"

    def live_refresh(self) -> None:
        """The project changed (see ``CoderingApp._live_check``): when its codebook did (a colleague's edit, a
        merge or an undo on the command line), the tree shows it, the selection kept; the checks before a move
        or merge then see the codebook the store will."""
        if self.is_mounted and self.project.codebook() is not self.codebook:
            keep = self.selected()
            self._load()
            self._fill(keep=keep)

    def on_screen_resume(self) -> None:
        """Back from a dialog: a change the live check noticed while the dialog was on top shows now."""
        self.live_refresh()

    # -- the tree -------------------------------------------------------------------------
    def _label(self, code_id: str) -> Text:
        code = self.codebook.codes[code_id]
        n = self.counts.get(code_id, 0)
        return Text.assemble(("■ ", self.palette.get(code_id, "#888888")),
                             (code.label, "" if code.codable else "italic"),
                             (f"  {n}" if n else "", "dim"))

    def _fill(self, keep: str | None = None) -> None:
        tree: Tree[str] = self.query_one("#codebook-tree", Tree)
        tree.clear()
        book = self.codebook
        query = self.filter_text.strip()
        shown: set[str] | None = None
        if query:
            shown = set()
            for match in self.index.search(query, limit=len(book)):
                shown.add(match.code_id)
                shown.update(c.id for c in book.ancestors(match.code_id))
        nodes = {}

        def add(parent_node, parent_id: str | None, depth: int) -> None:
            for code in book.children(parent_id):
                if shown is not None and code.id not in shown:
                    continue
                has_children = any(shown is None or c.id in shown for c in book.children(code.id))
                expand = shown is not None or depth == 0
                if has_children:
                    node = parent_node.add(self._label(code.id), data=code.id, expand=expand)
                    nodes[code.id] = node
                    add(node, code.id, depth + 1)
                else:
                    nodes[code.id] = parent_node.add_leaf(self._label(code.id), data=code.id)

        add(tree.root, None, 0)
        target = keep if keep in nodes else None
        if target is None and query:
            best = self.index.search(query, limit=1)
            target = best[0].code_id if best else None
        if target is not None:
            node = nodes[target]
            parent = node.parent
            while parent is not None:
                parent.expand()
                parent = parent.parent
            self.call_after_refresh(tree.move_cursor, node)
        self.call_after_refresh(self._show_detail)

    def selected(self) -> str | None:
        node = self.query_one("#codebook-tree", Tree).cursor_node
        return node.data if node is not None else None

    @on(Tree.NodeHighlighted, "#codebook-tree")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#code-detail", Static)
        code_id = self.selected()
        if code_id is None or code_id not in self.codebook:
            detail.update(Content.styled("geen code gekozen", "dim italic"))
            return
        book = self.codebook
        code = book.codes[code_id]
        parts: list[Content] = [
            Content.assemble(("■ ", self.palette.get(code_id, "#888888")), (code.label, "bold")),
            Content.styled(f"{code.id}{'' if code.codable else ' · map (niet toepasbaar)'}", "dim"),
        ]
        if code.parent:
            parts.append(Content.styled(book.path_label(code.parent), "dim"))
        n = self.counts.get(code_id, 0)
        parts.append(Content.styled(f"{n} codering{'en' if n != 1 else ''} (met subcodes)", "dim"))
        if code.description:
            parts += [Content(""), Content(" ".join(code.description.split()))]
        if code.include:
            parts += [Content(""), Content.assemble(("Wel: ", "bold"), " ".join(code.include.split()))]
        if code.exclude:
            parts += [Content(""), Content.assemble(("Niet: ", "bold"), " ".join(code.exclude.split()))]
        if code.examples:
            parts += [Content(""), Content.styled("Voorbeelden", "bold")]
            parts += [Content.styled(f"• {example}", "italic") for example in code.examples]
        children = book.children(code_id)
        if children:
            parts += [Content(""), Content.styled(f"{len(children)} subcodes", "dim")]
        detail.update(Content("\n").join(parts))

    # -- filtering --------------------------------------------------------------------------
    @on(Input.Changed, "#codebook-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value

    def watch_filter_text(self) -> None:
        if self.is_mounted:
            self._fill()

    @on(Input.Submitted, "#codebook-filter")
    def _submitted(self) -> None:
        self.action_choose()

    def action_cursor(self, step: int) -> None:
        tree = self.query_one("#codebook-tree", Tree)
        tree.cursor_line = max(0, min(tree.last_line, tree.cursor_line + step))

    def action_choose(self) -> None:
        code_id = self.selected()
        if code_id is None:
            return
        code = self.codebook.codes[code_id]
        if self.can_apply and code.codable:
            self.dismiss(code_id)
            return
        node = self.query_one("#codebook-tree", Tree).cursor_node
        if node is not None and node.allow_expand:
            node.toggle()

    # -- editing ------------------------------------------------------------------------------
    def action_edit(self) -> None:
        code_id = self.selected()
        if code_id is not None:
            code = self.codebook.codes[code_id]
            self.app.push_screen(CodeForm(code, sibling_labels=self._labels_under(code.parent, code_id)), self._saved)

    def action_new_child(self) -> None:
        code_id = self.selected()
        parent = self.codebook.codes[code_id] if code_id else None
        self.app.push_screen(CodeForm(None, parent=parent, taken=set(self.codebook.codes),
                                      sibling_labels=self._labels_under(code_id, None)), self._saved)

    def _labels_under(self, parent: str | None, but: str | None) -> set[str]:
        """The labels (case-folded) of the codes under ``parent`` other than ``but``: a codebook never has
        two codes of one label under one parent (its YAML would not load again)."""
        return {c.label.casefold() for c in self.codebook.children(parent) if c.id != but}

    @guarded
    def _saved(self, fields: CodeFields | None) -> None:
        if fields is None:
            return
        self.project.update_code(fields.code, self.coder)
        self._load()
        self._fill(keep=fields.code.id)
        verb = "toegevoegd" if fields.is_new else "bewaard"
        self.query_one(StatusLine).message = f"code {fields.code.id} {verb} in het project (Ctrl+S: naar YAML)"

    # -- reorganising: move, merge, remove (each one undoable action) -------------------------------
    def _book_changed(self, keep: str | None, message: str) -> None:
        self._load()
        self._fill(keep=keep)
        self.query_one(StatusLine).message = message

    def _refused(self, code_id: str, target: str | None, merge: bool) -> bool:
        """Say on the status line (in Dutch) why moving or merging ``code_id`` onto ``target`` (a move: None is
        the top level) cannot be done, and return True; the store refuses the same cases (in English, for the
        command line)."""
        from codering.codebook import contract_codes

        book = self.codebook
        code = book.codes[code_id]
        why = ""
        if target == code_id or target in {c.id for c in book.descendants(code_id)}:
            why = f"{self._label_of(target)} ligt in {self._label_of(code_id)} zelf"
        elif code_id in contract_codes(book) and (merge or target != code.parent):
            why = (f"{code_id} hoort bij de vaste categorieën van het standaardcodeboek (evaluatiedata en de "
                   "factortabellen gebruiken die id); alleen de volgorde mag veranderen")
        elif merge and not book.codes[target].codable and self.project.code_usage([code_id]).codings:
            why = f"{self._label_of(target)} is een map, geen code die je kunt toepassen"
        else:
            labels = {c.label.casefold() for c in book.children(target) if c.id != code_id}
            moving = [c for c in book.children(code_id)] if merge else [code]
            clash = next((c for c in moving if c.label.casefold() in labels), None)
            if clash is not None:
                where = "op het bovenste niveau" if target is None else f"onder {self._label_of(target)}"
                why = f"{where} staat al een code '{clash.label}'"
        if why:
            verb = "samenvoegen" if merge else "verplaatsen"
            self.query_one(StatusLine).message = f"niet {verb}: {why}"
        return bool(why)

    def _label_of(self, code_id: str) -> str:
        return self.codebook.distinct_label(code_id) if code_id in self.codebook else code_id

    def action_move(self) -> None:
        code_id = self.selected()
        if code_id is not None:
            self.app.push_screen(CodePicker(self.codebook, self.palette, codable_only=False, top="bovenste niveau",
                                            title=f"{self._label_of(code_id)} verplaatsen: onder welke code?"),
                                 lambda parent: self._moved(code_id, parent))

    @guarded
    def _moved(self, code_id: str, chosen: str | None) -> None:
        """Back from the picker: ``chosen`` is the new parent, ``TOP_LEVEL`` the top level, None cancelled."""
        if chosen is None:
            return
        parent = None if chosen == TOP_LEVEL else chosen
        if self._refused(code_id, parent, merge=False):
            return
        if not self.project.move_code(code_id, parent, self.coder):
            self.query_one(StatusLine).message = f"{self._label_of(code_id)} staat daar al; niets veranderd"
            return
        where = "op het bovenste niveau" if parent is None else f"onder {self._label_of(parent)}"
        self._book_changed(code_id, f"{self._label_of(code_id)} staat nu {where} (Ctrl+Z: ongedaan)")

    @guarded
    def action_shift(self, step: int) -> None:
        code_id = self.selected()
        if code_id is None:
            return
        parent = self.codebook.codes[code_id].parent
        order = [c.id for c in self.codebook.children(parent)]
        at = order.index(code_id) + step
        if not 0 <= at < len(order):
            self.query_one(StatusLine).message = "staat al " + ("bovenaan" if step < 0 else "onderaan")
            return
        order.remove(code_id)
        self.project.move_code(code_id, parent, self.coder, after=order[at - 1] if at > 0 else "")
        self._book_changed(code_id, f"{self._label_of(code_id)} {'hoger' if step < 0 else 'lager'} gezet "
                                    "(Ctrl+Z: ongedaan)")

    def action_merge(self) -> None:
        code_id = self.selected()
        if code_id is not None:
            self.app.push_screen(CodePicker(self.codebook, self.palette, codable_only=False,
                                            title=f"{self._label_of(code_id)} samenvoegen in: welke code?"),
                                 lambda target: self._merge_target(code_id, target))

    def _merge_target(self, code_id: str, target: str | None) -> None:
        if target is None or self._refused(code_id, target, merge=True):
            return
        usage = self.project.code_usage([code_id])
        question = (f"{self._label_of(code_id)} ({said_usage(usage)}) samenvoegen in {self._label_of(target)}? "
                    "De code verdwijnt; haar subcodes komen onder de andere.")
        self.app.push_screen(ChoiceDialog(question, [(True, "Ja, samenvoegen"), (False, "Nee")]),
                             lambda ok: self._merge(code_id, target) if ok else None)

    @guarded
    def _merge(self, code_id: str, target: str) -> None:
        label = self._label_of(code_id)
        merged = self.project.merge_codes(code_id, target, self.coder)
        also = f", {merged.duplicates} dubbel en weggelaten" if merged.duplicates else ""
        self._book_changed(target, f"{label} samengevoegd in {self._label_of(target)}: "
                                   f"{_n(merged.codings, 'codering', 'coderingen')} mee{also} (Ctrl+Z: ongedaan)")

    @guarded
    def action_remove(self) -> None:
        code_id = self.selected()
        if code_id is None:
            return
        from codering.codebook import contract_codes

        subtree = [code_id] + [c.id for c in self.codebook.descendants(code_id)]
        fixed = [c for c in subtree if c in contract_codes(self.codebook)]
        if fixed:
            self.query_one(StatusLine).message = (
                f"niet verwijderen: {fixed[0]} hoort bij de vaste categorieën van het standaardcodeboek "
                "(evaluatiedata en de factortabellen gebruiken die id)")
            return
        usage = self.project.code_usage(subtree)
        if not (usage.codings or usage.memos or len(subtree) > 1):
            self._remove(code_id, False)
            return
        what = self._label_of(code_id)
        if len(subtree) > 1:
            what += f" en {_n(len(subtree) - 1, 'subcode', 'subcodes')}"
        if usage.codings or usage.memos:
            question, yes = f"{what} verwijderen, met {said_usage(usage)}?", "Ja, met de coderingen"
        else:
            question, yes = f"{what} verwijderen?", "Ja, verwijderen"
        self.app.push_screen(ChoiceDialog(question, [(True, yes), (False, "Nee")]),
                             lambda ok: self._remove(code_id, True) if ok else None)

    @guarded
    def _remove(self, code_id: str, with_codings: bool) -> None:
        label = self._label_of(code_id)
        parent = self.codebook.codes[code_id].parent
        self.project.remove_code(code_id, self.coder, with_codings=with_codings)
        self._book_changed(parent, f"{label} verwijderd (Ctrl+Z: ongedaan)")

    @guarded
    def action_undo(self) -> None:
        done = self.project.undo()
        self._load()
        self._fill(keep=self.selected())
        self.query_one(StatusLine).message = undo_message(self.project, done)

    def action_write_yaml(self) -> None:
        from codering.paths import exports_dir

        default = exports_dir(self.project.path) / f"{self.codebook.id or 'codeboek'}.yaml"
        self.app.push_screen(TextDialog("Codeboek naar YAML", "Naar welk bestand?", value=str(default)),
                             self._yaml_path)

    def _yaml_path(self, value: str | None) -> None:
        if not value:
            return
        path = Path(value).expanduser()
        if path.exists():
            self.app.push_screen(
                ChoiceDialog(f"{path} bestaat al. Overschrijven?", [(True, "Ja, overschrijven"), (False, "Nee")]),
                lambda ok: self._write(path) if ok else None,
            )
        else:
            self._write(path)

    @guarded
    def _write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.project.codebook().write_yaml(path)
        self.query_one(StatusLine).message = f"codeboek geschreven naar {path}"
        self.notify(f"Codeboek geschreven naar {path}", title="YAML")

    def action_back(self) -> None:
        field = self.query_one("#codebook-filter", Input)
        if field.value:
            field.value = ""
            return
        self.dismiss(None)
