package klynge.neo4j;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * Runs a Neo4j DBMS with Bolt in this JVM until it is stopped (SIGTERM: a clean shutdown).
 *
 * <p>Arguments: the home directory (data, logs) and the configuration file, in neo4j.conf syntax,
 * which Klynge writes (Bolt address, plugins folder, GDS procedures unrestricted, memory). The
 * password of the user {@code neo4j} comes from the environment variable KLYNGE_NEO4J_PASSWORD, so
 * it never appears on a command line. When the DBMS answers with that password, the file
 * {@code ready} in the home directory is written with this process's id.
 */
public final class LocalNeo4j {
    private LocalNeo4j() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: LocalNeo4j HOME_DIR NEO4J_CONF");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        String password = System.getenv("KLYNGE_NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("KLYNGE_NEO4J_PASSWORD must hold the password (8 characters or more)");
            System.exit(2);
        }
        DatabaseManagementService dbms;
        try {
            dbms = new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(Path.of(args[1])).build();
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "klynge-neo4j-shutdown"));
        try {
            dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (RuntimeException e) {
            // a restart with the same password: Neo4j refuses to "change" it to itself, and it is already set
            if (!String.valueOf(e.getMessage()).contains("cannot be the same")) {
                e.printStackTrace();
                System.exit(1);
            }
        }
        Path ready = home.resolve("ready");
        Path tmp = home.resolve("ready.tmp");
        Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
        Files.move(tmp, ready, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Thread.currentThread().join();
    }
}
