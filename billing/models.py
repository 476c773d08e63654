"""billing models: see the billing issue."""
