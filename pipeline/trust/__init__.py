"""Trust and local-authority mode (contract §16): many school folders run as --data runs each, one report across them.

settings (trust.toml) -> each school through the one core (pipeline.core, pipeline.run) in a process pool ->
a SchoolDigest per school (counts only, no pupil) -> the trust's figures, protected as the governor pack is ->
trust_report.xlsx, trust_report.html, trust_summary.json.
"""
