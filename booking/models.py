"""booking models: see the booking issue."""
