"""The program: CLI, round database, pipeline, reviewer app, reports' data. `survey.load_round` for analysts."""

__all__ = ["load_round", "load_series", "wide"]


def __getattr__(name: str):
    # pandas loads only when an analyst asks for a DataFrame, never when the CLI starts.
    if name in __all__:
        from survey import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module 'survey' has no attribute {name!r}")
