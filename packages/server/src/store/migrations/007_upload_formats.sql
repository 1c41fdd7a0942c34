-- Upload formats: a run reads delimited text ('csv') or JSON records ('json': an array, one object,
-- or one object per line); rejections of a JSON run are numbered by record instead of by line.

ALTER TABLE upload_runs ADD COLUMN format text NOT NULL DEFAULT 'csv';
