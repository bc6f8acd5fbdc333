# Reference values for the Gower distance and k-medoids tests (test/core/gower.test.ts, test/cluster/kmedoids.test.ts):
# R's cluster::daisy(metric = "gower") and cluster::pam on the first 120 rows of fixtures/subscribers.csv.
# Run: Rscript scripts/gower-reference.R  (needs r-base-core and r-cran-cluster; the tests embed its output)
suppressMessages(library(cluster))
all <- read.csv("fixtures/subscribers.csv", stringsAsFactors = FALSE, na.strings = "")
x <- all[1:120, c("recency_days", "frequency", "revenue", "tenure_days", "internet_service", "contract")]
x$internet_service <- factor(x$internet_service)
x$contract <- factor(x$contract)
cat("cluster", as.character(packageVersion("cluster")), "\n")
cat("missing revenue rows (1-based):", which(is.na(x$revenue)), "\n")
pairs <- rbind(c(1, 2), c(1, 120), c(5, 17), c(33, 71), c(60, 61), c(88, 119), c(10, 100), c(42, 43))
na <- which(is.na(x$revenue))
pairs <- rbind(pairs, c(na[1], 1), c(na[1], na[2]))
show <- function(label, d) {
  m <- as.matrix(d)
  cat(label, "\n")
  for (r in seq_len(nrow(pairs))) cat(sprintf("  [%d, %d, %.17g],\n", pairs[r, 1] - 1, pairs[r, 2] - 1, m[pairs[r, 1], pairs[r, 2]]))
}
dg <- daisy(x, metric = "gower")
show("gower", dg)
w <- c(1, 2, 0.5, 1, 3, 1)
dw <- daisy(x, metric = "gower", weights = w)
show("gower weights 1,2,0.5,1,3,1", dw)
out <- function(label, p) {
  cat(label, "\n")
  cat("  medoids (0-based):", sort(p$id.med - 1), "\n")
  cat("  labels:", p$clustering, "\n")
  cat(sprintf("  objective build %.17g swap %.17g\n", p$objective[1], p$objective[2]))
}
out("pam gower k=4", pam(dg, 4))
out("pam gower weighted k=3", pam(dw, 3))
xn <- as.matrix(x[, c("recency_days", "frequency", "tenure_days")])
out("pam euclidean k=3 (recency_days, frequency, tenure_days)", pam(xn, 3))
out("pam manhattan k=5 (recency_days, frequency, tenure_days)", pam(xn, 5, metric = "manhattan"))
sil <- function(label, p) {
  s <- silhouette(p)
  w <- s[order(as.integer(rownames(s))), "sil_width"]
  cat(label, sprintf("avg.width %.17g", p$silinfo$avg.width), "\n")
  cat(sprintf("  widths rows 0, 7, 21, 119: %.17g %.17g %.17g %.17g\n", w[1], w[8], w[22], w[120]))
}
sil("silhouette pam gower k=4", pam(dg, 4))
sil("silhouette pam euclidean k=3", pam(xn, 3))

# DBSCAN and hierarchical clustering under Gower's distance (test/cluster/gower-cluster.test.ts), and the silhouette
# of those labels from the Gower distances (test/evaluate/metrics.test.ts). Needs r-cran-dbscan too.
suppressMessages(library(dbscan))
cat("dbscan", as.character(packageVersion("dbscan")), "\n")
k4 <- sort(kNNdist(dg, k = 4))
cat(sprintf("  4-distances sorted, positions 1, 60, 120: %.17g %.17g %.17g\n", k4[1], k4[60], k4[120]))
for (e in c(0.1, 0.15)) {
  r <- dbscan(dg, eps = e, minPts = 5)
  cat(sprintf("dbscan gower eps=%g minPts=5", e), "\n")
  cat("  labels (0 = noise):", r$cluster, "\n")
}
for (m in c("average", "complete", "single")) {
  h <- hclust(dg, method = m)
  cat("hclust gower", m, "\n")
  cat("  cutree k=4:", cutree(h, 4), "\n")
  cat(sprintf("  heights first, middle, last: %.17g %.17g %.17g\n", h$height[1], h$height[60], h$height[119]))
}
s <- silhouette(cutree(hclust(dg, method = "average"), 4), dg)
cat(sprintf("silhouette hclust average k=4: mean %.17g\n", mean(s[, "sil_width"])))
cat(sprintf("  widths rows 0, 7, 21, 119: %.17g %.17g %.17g %.17g\n", s[1, 3], s[8, 3], s[22, 3], s[120, 3]))
# Dunn index of the same labels from the Gower distances (as clValid::dunn): min between / max within.
m <- as.matrix(dg)
cl <- cutree(hclust(dg, method = "average"), 4)
same <- outer(cl, cl, "==")
cat(sprintf("dunn hclust average k=4: %.17g\n", min(m[!same]) / max(m[same])))
