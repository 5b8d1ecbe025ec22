"""Follow-up actions: creating and changing them, lists, one action's view, the new-action form."""
