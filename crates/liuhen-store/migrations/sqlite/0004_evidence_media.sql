-- What liuhen could read from each evidence file (duration, creation time,
-- codecs, size, location): the probe's JSON, or why it could not be read.
ALTER TABLE evidence ADD COLUMN media TEXT;
