-- segment export-sql (duckdb): scores proj.analytics.customers with a kmeans model of 2 segment(s)
-- model sha256:1da91bb52475f72c3ddb5ff540899982a7a438de91b6ce661501534523409690, written by segment test
-- chain: clean -> select -> kmeans; features: pc1, pc2
-- returns id and segment; segment is NULL where segment assign would refuse the row (a feature missing or
-- not finite after the chain)
--
-- not applied here (segment assign does not apply them to new rows either):
--   - clean validate (1 rule(s), --on-invalid report): segment assign only reports invalid rows
--   - clean dedupe: new rows are scored one by one
--
-- not reproduced:
--   - 1 training exception(s): training rows whose fitted segment differs from the nearest-centre rule keep the rule's segment in SQL
WITH
-- input: the columns the model reads, numbers as float64 (NaN counts as missing, as in segment)
seg_input AS (
  SELECT
    "id" AS "id",
    CASE WHEN isnan(CAST("select" AS DOUBLE)) THEN NULL ELSE CAST("select" AS DOUBLE) END AS "select",
    CASE WHEN isnan(CAST("spend" AS DOUBLE)) THEN NULL ELSE CAST("spend" AS DOUBLE) END AS "spend",
    CAST("country" AS VARCHAR) AS "country"
  FROM "proj"."analytics"."customers"
),
-- clean · log1p: log(1 + x) of spend
seg_1_clean_log1p AS (
  SELECT
    "id",
    "select",
    LN(1 + "spend") AS "spend",
    "country"
  FROM seg_input
),
-- clean · outliers (iqr fences, clip); missing values are never outliers
seg_2_clean_outliers AS (
  SELECT
    "id",
    CASE WHEN "select" < CAST('-2.5' AS DOUBLE) THEN CAST('-2.5' AS DOUBLE) WHEN "select" > CAST('12.75' AS DOUBLE) THEN CAST('12.75' AS DOUBLE) ELSE "select" END AS "select",
    CASE WHEN "spend" < CAST('0' AS DOUBLE) THEN CAST('0' AS DOUBLE) WHEN "spend" > CAST('7.123456789012345' AS DOUBLE) THEN CAST('7.123456789012345' AS DOUBLE) ELSE "spend" END AS "spend",
    "country"
  FROM seg_1_clean_log1p
),
-- clean · impute: missing values get the training value: select (median), it's "q" (median), spend (mean), country (mode); indicators select_missing
seg_3_clean_impute AS (
  SELECT
    "id",
    COALESCE("select", CAST('4.5' AS DOUBLE)) AS "select",
    COALESCE("spend", CAST('3.3333333333333335' AS DOUBLE)) AS "spend",
    CAST(CASE WHEN "select" IS NULL THEN 1 ELSE 0 END AS DOUBLE) AS "select_missing",
    COALESCE("country", 'plain') AS "country"
  FROM seg_2_clean_outliers
),
-- clean · scale (zscore): (x - center) / scale; constant column(s) it's "q" left as they are
seg_4_clean_scale AS (
  SELECT
    "id",
    ("select" - CAST('4.75' AS DOUBLE)) / CAST('3.031088913245535' AS DOUBLE) AS "select",
    ("spend" - CAST('3.3333333333333335' AS DOUBLE)) / CAST('1.4142135623730951' AS DOUBLE) AS "spend",
    "select_missing",
    "country"
  FROM seg_3_clean_impute
),
-- clean · encode (onehot) country: one 0/1 column per training level; a missing value is all zeros, an unseen level all zeros
seg_5_clean_encode AS (
  SELECT
    "id",
    "select",
    "spend",
    "select_missing",
    CAST(CASE WHEN "country" = 'it''s' THEN 1 ELSE 0 END AS DOUBLE) AS "country_it's",
    CAST(CASE WHEN "country" = 'back\slash' THEN 1 ELSE 0 END AS DOUBLE) AS "country_back\slash",
    CAST(CASE WHEN "country" = 'new
line' THEN 1 ELSE 0 END AS DOUBLE) AS "country_new
line",
    CAST(CASE WHEN "country" = 'plain' THEN 1 ELSE 0 END AS DOUBLE) AS "country_plain"
  FROM seg_4_clean_scale
),
-- select · PCA: pc1, pc2 = ((x - mean) / scale) · loadings over select, spend, select_missing, country_it's, country_back\slash, country_new line, country_plain
seg_6_select_pca AS (
  SELECT
    "id",
    (("select" - CAST('0' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('0.42073549240394825' AS DOUBLE)
      + (("spend" - CAST('0.14285714285714285' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('0.45464871341284085' AS DOUBLE)
      + (("select_missing" - CAST('0.2857142857142857' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('0.0705600040299336' AS DOUBLE)
      + (("country_it's" - CAST('0.42857142857142855' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('-0.3784012476539641' AS DOUBLE)
      + (("country_back\slash" - CAST('0.5714285714285714' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('-0.4794621373315692' AS DOUBLE)
      + (("country_new
line" - CAST('0.7142857142857143' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('-0.13970774909946293' AS DOUBLE)
      + (("country_plain" - CAST('0.8571428571428571' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('0.32849329935939453' AS DOUBLE) AS "pc1",
    (("select" - CAST('0' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('0.4946791233116909' AS DOUBLE)
      + (("spend" - CAST('0.14285714285714285' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('0.2060592426208783' AS DOUBLE)
      + (("select_missing" - CAST('0.2857142857142857' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('-0.2720105554446849' AS DOUBLE)
      + (("country_it's" - CAST('0.42857142857142855' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('-0.49999510327535174' AS DOUBLE)
      + (("country_back\slash" - CAST('0.5714285714285714' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('-0.26828645900021747' AS DOUBLE)
      + (("country_new
line" - CAST('0.7142857142857143' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('0.21008351841332046' AS DOUBLE)
      + (("country_plain" - CAST('0.8571428571428571' AS DOUBLE)) / CAST('1' AS DOUBLE)) * CAST('0.4953036778474352' AS DOUBLE) AS "pc2"
  FROM seg_5_clean_encode
),
-- k-means: squared euclidean distance to each of the 3 centre(s); is_finite = every feature is a finite number
seg_distances AS (
  SELECT
    "id",
    CASE WHEN "pc1" - "pc1" = 0 AND "pc2" - "pc2" = 0 THEN 1 ELSE 0 END AS "is_finite",
    ("pc1" - CAST('0.5' AS DOUBLE)) * ("pc1" - CAST('0.5' AS DOUBLE))
      + ("pc2" - CAST('-0.25' AS DOUBLE)) * ("pc2" - CAST('-0.25' AS DOUBLE)) AS "dist_0",
    ("pc1" - CAST('-1.5' AS DOUBLE)) * ("pc1" - CAST('-1.5' AS DOUBLE))
      + ("pc2" - CAST('0.75' AS DOUBLE)) * ("pc2" - CAST('0.75' AS DOUBLE)) AS "dist_1",
    ("pc1" - CAST('2.25' AS DOUBLE)) * ("pc1" - CAST('2.25' AS DOUBLE))
      + ("pc2" - CAST('1e-7' AS DOUBLE)) * ("pc2" - CAST('1e-7' AS DOUBLE)) AS "dist_2"
  FROM seg_6_select_pca
)
-- the segment of the nearest centre (NULL when a feature is missing or not finite)
SELECT
  "id",
  CASE
    WHEN "is_finite" = 0 THEN NULL
    WHEN "dist_0" <= "dist_1" AND "dist_0" <= "dist_2" THEN 0
    WHEN "dist_1" <= "dist_2" THEN 1
    ELSE 0
  END AS "segment"
FROM seg_distances
