"""motcua: public service portal and electronic one-stop-shop for administrative procedures."""
