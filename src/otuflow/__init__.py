"""otuflow: paired-end 16S rRNA amplicon reads to OTUs, taxonomy and group statistics."""

__version__ = "0.1.0"
