"""Kernel settings for the offline nbval leg: keep the command history in memory, not here."""

c = get_config()  # noqa: F821  (IPython provides get_config to its config files)
c.HistoryManager.hist_file = ":memory:"
