"""The generated REPORT.md: every stage's metrics beside the study's reference figures."""
