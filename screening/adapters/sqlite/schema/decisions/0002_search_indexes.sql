-- Decision search (screening decisions list): who called a number, what a
-- facility or a kiosk saw, each by index with the time beside it.
CREATE INDEX decisions_number ON decisions (number_key, at);
CREATE INDEX decisions_facility ON decisions (facility_id, at);
CREATE INDEX decisions_station ON decisions (station_id, at);
