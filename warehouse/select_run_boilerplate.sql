-- Boilerplate lines removed from the articles a run loaded, by rule (for its artifact).
SELECT b.rule, count(*) AS lines
FROM boilerplate b JOIN articles a USING (article_id)
WHERE a.run_id = $run_id
GROUP BY b.rule
ORDER BY lines DESC, b.rule;
