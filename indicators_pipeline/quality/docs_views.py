"""Great Expectations' Data Docs views with their compiled templates kept for the life of the process.

GE makes a new jinja2 Environment for every page view of every Data Docs build, and each compiles the
templates it renders again: ~0.6 s of a ~1.2 s suite run. These are GE's own views, rendering the same
pages, with one bytecode cache shared by all of them (keyed by template name and source, so a changed
template is compiled again): a process that runs the suite more than once compiles them once. A refresh's
own process runs it once; a test session or a long-lived code server runs it many times.

Named in the Data Docs site's config (expectations.py); imported by Great Expectations, so only where it is.
"""
from __future__ import annotations

import jinja2
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView


class _ProcessBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates in memory, for the life of the process."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)  # checks jinja2's and Python's version in the header

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._compiled.clear()


COMPILED_TEMPLATES = _ProcessBytecodeCache()


class _CompiledOnce:
    """A GE view whose environment reads and keeps its compiled templates in COMPILED_TEMPLATES."""

    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.bytecode_cache = COMPILED_TEMPLATES


class PageView(_CompiledOnce, DefaultJinjaPageView):
    """DefaultJinjaPageView (expectation suite and validation result pages), templates compiled once a process."""


class IndexPageView(_CompiledOnce, DefaultJinjaIndexPageView):
    """DefaultJinjaIndexPageView (the site's index), templates compiled once a process."""


def _view(class_name: str) -> dict:
    return {"module_name": __name__, "class_name": class_name}


# The site config's parts naming these views: GE merges the sections into its defaults.
SECTION_BUILDERS = {section: {"view": _view("PageView")} for section in ("expectations", "validations", "profiling")}
INDEX_VIEW = _view("IndexPageView")
