/**
 * Bundle-size entry (bare neo4j-driver): the same query with promises.
 *
 * @since 0.1.0
 */
import neo4j from "neo4j-driver"

const driver = neo4j.driver(process.env.NEO4J_URI ?? "bolt://localhost:7687", neo4j.auth.basic("neo4j", process.env.NEO4J_PASSWORD ?? ""))
driver.executeQuery("RETURN 1 AS n").then(
  (result) => console.log(result.records[0]?.get("n")),
  console.error
).finally(() => driver.close())
