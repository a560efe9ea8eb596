// An embedded Neo4j Community server for tests, run without a compile step:
//   NEO4J_SERVER_PASSWORD=secret java -cp <classpath> NeoServer.java --home <dir> --conf <file> --port <n>
// launcher.ts writes the conf, resolves the classpath and reads the single ready line from stdout.
// The same source compiles against 5.26.x and 2026.x: the embedded API it uses is identical in both.

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

public class NeoServer {
    /** launcher.ts matches this prefix; keep the line format in sync with READY_PATTERN there. */
    static final String READY_PREFIX = "NEO4J_READY";
    /** The password travels in the environment, not argv, so `ps` does not show it. */
    static final String PASSWORD_ENV = "NEO4J_SERVER_PASSWORD";
    /** A stuck shutdown must not leave a JVM behind: halt after this long. */
    static final long SHUTDOWN_HALT_MS = 20_000;
    /** The default database normally is up when build() returns; this bounds the odd slow case. */
    static final long DATABASE_AVAILABLE_TIMEOUT_MS = 60_000;
    static final int EXIT_USAGE = 2;
    static final int EXIT_START_FAILED = 1;
    static final int EXIT_HALTED = 3;
    /** Until ready the launcher may still read logs/debug.log to explain a failed start. */
    static volatile boolean ready = false;

    public static void main(String[] args) {
        Map<String, String> options = parseArgs(args);
        Path home = Path.of(required(options, "home"));
        Path conf = Path.of(required(options, "conf"));
        String port = required(options, "port");
        String password = System.getenv(PASSWORD_ENV);
        if (password == null || password.isEmpty()) {
            usage("environment variable " + PASSWORD_ENV + " is not set");
        }
        boolean deleteHome = options.containsKey("delete-home-on-exit");

        AtomicReference<DatabaseManagementService> dbms = new AtomicReference<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(dbms.get(), home, deleteHome), "neo-server-shutdown"));
        watchStdin();

        try {
            // Embedded mode has no initial-password setting, and a client that connects before the
            // password is set gets Unauthorized (e.g. during a restart test). So the password is set
            // by a first start with Bolt closed; the second start opens Bolt with it in place.
            long setupStartedAt = System.nanoTime();
            DatabaseManagementService setup = new DatabaseManagementServiceBuilder(home)
                    .loadPropertiesFromFile(conf)
                    .setConfig(BoltConnector.enabled, false)
                    .build();
            dbms.set(setup);
            setup.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
            setup.shutdown();
            dbms.set(null);
            System.err.println("NeoServer: password set with Bolt closed in "
                    + (System.nanoTime() - setupStartedAt) / 1_000_000 + " ms");
            dbms.set(new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(conf).build());
            GraphDatabaseService neo4j = dbms.get().database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            if (!neo4j.isAvailable(DATABASE_AVAILABLE_TIMEOUT_MS)) {
                throw new IllegalStateException("database '" + neo4j.databaseName() + "' did not become available");
            }
            // The system database refuses WHERE/WITH after a procedure call, so ask the default one.
            String[] component = neo4j.executeTransactionally(
                    "CALL dbms.components() YIELD name, versions, edition WHERE name = 'Neo4j Kernel' "
                            + "RETURN versions[0] AS version, edition",
                    Map.of(),
                    result -> {
                        Map<String, Object> row = result.next();
                        return new String[] {(String) row.get("version"), (String) row.get("edition")};
                    });
            System.out.println(READY_PREFIX + " bolt://127.0.0.1:" + port + " version=" + component[0] + " edition="
                    + component[1]);
            System.out.flush();
            ready = true;
        } catch (Throwable error) {
            System.err.println("NeoServer: start failed: " + error);
            error.printStackTrace();
            System.exit(EXIT_START_FAILED);
        }
    }

    /** Parent gone (even by SIGKILL) closes our stdin: that is the only signal we can rely on. */
    static void watchStdin() {
        Thread watcher = new Thread(() -> {
            InputStream in = System.in;
            byte[] buffer = new byte[256];
            try {
                while (in.read(buffer) != -1) {
                    // Input is ignored; only end-of-file matters.
                }
            } catch (IOException ignored) {
                // A broken pipe means the same as end-of-file.
            }
            System.err.println("NeoServer: stdin closed, shutting down");
            System.exit(0);
        }, "neo-server-stdin-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    static void shutdown(DatabaseManagementService dbms, Path home, boolean deleteHome) {
        Thread halter = new Thread(() -> {
            try {
                Thread.sleep(SHUTDOWN_HALT_MS);
            } catch (InterruptedException ignored) {
                return;
            }
            System.err.println("NeoServer: shutdown took over " + SHUTDOWN_HALT_MS + " ms, halting");
            Runtime.getRuntime().halt(EXIT_HALTED);
        }, "neo-server-halter");
        halter.setDaemon(true);
        halter.start();
        long startedAt = System.nanoTime();
        if (dbms != null) {
            try {
                dbms.shutdown();
            } catch (Throwable error) {
                System.err.println("NeoServer: shutdown failed: " + error);
            }
        }
        if (deleteHome && ready) {
            deleteRecursively(home);
        }
        System.err.println("NeoServer: stopped in " + (System.nanoTime() - startedAt) / 1_000_000 + " ms");
        halter.interrupt();
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // Best effort: a temp directory left behind is harmless.
                }
            });
        } catch (IOException ignored) {
            // Same as above.
        }
    }

    static Map<String, String> parseArgs(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                usage("unexpected argument " + arg);
            }
            String key = arg.substring(2);
            if (key.equals("delete-home-on-exit")) {
                options.put(key, "true");
            } else if (i + 1 < args.length) {
                options.put(key, args[++i]);
            } else {
                usage("missing value for " + arg);
            }
        }
        return options;
    }

    static String required(Map<String, String> options, String key) {
        String value = options.get(key);
        if (value == null) {
            usage("missing --" + key);
        }
        return value;
    }

    static void usage(String problem) {
        System.err.println("NeoServer: " + problem);
        System.err.println("usage: " + PASSWORD_ENV
                + "=<pw> java -cp <classpath> NeoServer.java --home <dir> --conf <neo4j.conf> --port <n> [--delete-home-on-exit]");
        System.exit(EXIT_USAGE);
    }
}
