"""Small shared values of the UI (no Textual): the model's loading state."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelState:
    """Where the suggestion model is: ``phase`` is loading, ready, failed or off."""

    phase: str = "loading"
    what: str = ""
    done: int = 0
    total: int = 0
    model_id: str = ""
    message: str = ""
    adapting: int = -1  # percent of a running adaptation round (codering.suggest.adapt); -1: none

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def ready(self) -> bool:
        return self.phase == "ready"

    def describe(self) -> str:
        """One line for the status bar and the suggestions panel."""
        if self.phase == "ready" and self.adapting >= 0:
            return f"model past zich aan… ({self.adapting}%)"
        if self.phase == "ready":
            return f"model klaar ({short_model(self.model_id)})" if self.model_id else "model klaar"
        if self.phase == "failed":
            return f"model niet beschikbaar: {self.message}" if self.message else "model niet beschikbaar"
        if self.phase == "off":
            return "geen model"
        if self.what == "building the model":  # the one-time build: no count to show
            return "model bouwen… (eenmalig, ± 1 min)"
        what = {"embedding segments": "segmenten inbedden", "embedding the codebook": "codeboek inbedden",
                "opening the model": "openen", "keywords": "trefwoorden",
                "ready": "bijna klaar"}.get(self.what, self.what)
        if self.total:
            return f"model laadt… ({self.percent}%{', ' + what if what else ''})"
        return f"model laadt…{' (' + what + ')' if what else ''}"


def short_model(model_id: str) -> str:
    """A model id for the status line: an adapted model (folder ``round-N-...``) as "aangepast, ronde N"."""
    name = model_id.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    if name != model_id and name.startswith("round-"):
        return f"aangepast, ronde {name.split('-')[1]}"
    return model_id
