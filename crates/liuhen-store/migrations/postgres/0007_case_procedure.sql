-- 执法程序 of a case (行政处罚普通程序, 简易程序, 行政强制, 行政检查); NULL for kinds without one.
ALTER TABLE cases ADD COLUMN procedure TEXT;
