"""The top of the dependency graph: the `assistant` command line and the web app that mounts
the UI beside the API. Nothing below imports this package."""

__all__: list[str] = []
