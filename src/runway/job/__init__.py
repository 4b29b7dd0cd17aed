"""Jobs (one configured load of a vendor file), their files, runs, run reports and notes."""
