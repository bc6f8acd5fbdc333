-- segment export-sql (bigquery): scores proj.analytics.customers with a hierarchical model of 3 segment(s)
-- model sha256:7fa0ad67af0731b978c832e98c38c65dda3e83897e9776c7f2eb2ac3c26cc57f, written by segment test
-- chain: clean -> hierarchical; features: select, spend, outlier, country
-- returns id and segment; segment is NULL where segment assign would refuse the row (a feature missing or
-- not finite after the chain)
WITH
-- input: the columns the model reads, numbers as float64 (NaN counts as missing, as in segment)
seg_input AS (
  SELECT
    `id` AS `id`,
    CASE WHEN IS_NAN(CAST(`select` AS FLOAT64)) THEN NULL ELSE CAST(`select` AS FLOAT64) END AS `select`,
    CASE WHEN IS_NAN(CAST(`spend` AS FLOAT64)) THEN NULL ELSE CAST(`spend` AS FLOAT64) END AS `spend`,
    CAST(`country` AS STRING) AS `country`
  FROM `proj`.`analytics`.`customers`
),
-- clean · outliers (zscore fences, flag into outlier); missing values are never outliers
seg_1_clean_outliers AS (
  SELECT
    `id`,
    `select`,
    `spend`,
    CAST(CASE WHEN `select` < CAST('-4.4' AS FLOAT64) OR `select` > CAST('13.9' AS FLOAT64) OR `spend` < CAST('-1' AS FLOAT64) OR `spend` > CAST('900.5' AS FLOAT64) THEN 1 ELSE 0 END AS FLOAT64) AS `outlier`,
    `country`
  FROM seg_input
),
-- clean · impute: missing values get the training value: select (constant), spend (median)
seg_2_clean_impute AS (
  SELECT
    `id`,
    COALESCE(`select`, CAST('0' AS FLOAT64)) AS `select`,
    COALESCE(`spend`, CAST('20' AS FLOAT64)) AS `spend`,
    `outlier`,
    `country`
  FROM seg_1_clean_outliers
),
-- clean · scale (minmax): (x - center) / scale
seg_3_clean_scale AS (
  SELECT
    `id`,
    (`select` - CAST('-1' AS FLOAT64)) / CAST('15' AS FLOAT64) AS `select`,
    (`spend` - CAST('0' AS FLOAT64)) / CAST('1000' AS FLOAT64) AS `spend`,
    `outlier`,
    `country`
  FROM seg_2_clean_impute
),
-- clean · encode (ordinal) country: the level index; a missing value is missing, an unseen level makes the row missing (segment assign stops on it)
seg_4_clean_encode AS (
  SELECT
    `id`,
    `select`,
    `spend`,
    `outlier`,
    CAST(CASE `country` WHEN 'it\'s' THEN 0 WHEN 'back\\slash' THEN 1 WHEN 'new\nline' THEN 2 WHEN 'plain' THEN 3 END AS FLOAT64) AS `country`
  FROM seg_3_clean_scale
),
-- hierarchical (average): cosine distance to each of the 3 centre(s); is_finite = every feature is a finite number
seg_distances AS (
  SELECT
    `id`,
    CASE WHEN `select` - `select` = 0 AND `spend` - `spend` = 0 AND `outlier` - `outlier` = 0 AND `country` - `country` = 0 THEN 1 ELSE 0 END AS `is_finite`,
    CASE WHEN `select` * `select` + `spend` * `spend` + `outlier` * `outlier` + `country` * `country` = 0 THEN CAST('1' AS FLOAT64) ELSE CAST('1' AS FLOAT64) - (`select` * CAST('0.2' AS FLOAT64) + `spend` * CAST('0.1' AS FLOAT64) + `outlier` * CAST('0' AS FLOAT64) + `country` * CAST('1' AS FLOAT64)) / SQRT((`select` * `select` + `spend` * `spend` + `outlier` * `outlier` + `country` * `country`) * CAST('1.05' AS FLOAT64)) END AS `dist_0`,
    CASE WHEN `select` * `select` + `spend` * `spend` + `outlier` * `outlier` + `country` * `country` = 0 THEN CAST('1' AS FLOAT64) ELSE CAST('1' AS FLOAT64) - (`select` * CAST('0.9' AS FLOAT64) + `spend` * CAST('0.05' AS FLOAT64) + `outlier` * CAST('1' AS FLOAT64) + `country` * CAST('2' AS FLOAT64)) / SQRT((`select` * `select` + `spend` * `spend` + `outlier` * `outlier` + `country` * `country`) * CAST('5.8125' AS FLOAT64)) END AS `dist_1`,
    CAST('1' AS FLOAT64) AS `dist_2`
  FROM seg_4_clean_encode
)
-- the segment of the nearest centre (NULL when a feature is missing or not finite)
SELECT
  `id`,
  CASE
    WHEN `is_finite` = 0 THEN NULL
    WHEN `dist_0` <= `dist_1` AND `dist_0` <= `dist_2` THEN 0
    WHEN `dist_1` <= `dist_2` THEN 1
    ELSE 2
  END AS `segment`
FROM seg_distances
