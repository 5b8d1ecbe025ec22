"""Protocol import: readers per format, extraction of the follow-up actions, preview and storing,
in chat and from the command line."""
