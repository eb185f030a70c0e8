"""The PostgreSQL backend: lists, change log and decision log in one
database that several replicas share (psycopg 3, psycopg_pool)."""
