"""The run report: tables, figures, the accuracy-cost frontier and their formatting."""
