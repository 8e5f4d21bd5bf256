"""The attendance lead's weekly reports (workbook and web page), written from a Facts."""
