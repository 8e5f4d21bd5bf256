"""Reading staff's workbooks: sniffing files, finding header rows, parsing cells."""
