"""The domain: pure rules (``complaints.rules``) and the use cases the GUI and CLI call."""
