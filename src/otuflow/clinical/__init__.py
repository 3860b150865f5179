"""The clinical part of a run: the patient table, its group comparisons and microbe-host links."""
