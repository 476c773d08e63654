"""Billing screens, one module per topic: prices, articles, campaigns and settings (administrators);
review, invoices, credit notes, export and job runs (clinic staff); the price step of the dose form
(nurses)."""
