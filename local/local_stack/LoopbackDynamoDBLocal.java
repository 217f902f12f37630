// Starts DynamoDB Local bound to one host (127.0.0.1) and a port that may be 0 (any free port).
//
// DynamoDBLocal.jar's own command line has no host flag (it listens on every interface) and refuses
// port 0. This launcher builds the server through the jar's own ServerRunner, then sets the host and
// port on its Jetty connector before starting it, and prints "LISTENING <port>" once it accepts
// connections, so the Python side never has to guess a free port.
//
// Usage: java -cp <launcher>:DynamoDBLocal.jar:DynamoDBLocal_lib/* LoopbackDynamoDBLocal HOST PORT [jar flags]

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public final class LoopbackDynamoDBLocal {
  private LoopbackDynamoDBLocal() {}

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    // The jar validates -port before we can change it; any valid number does, the connector gets the real one.
    String[] flags = Arrays.copyOf(Arrays.copyOfRange(args, 2, args.length), args.length);
    flags[args.length - 2] = "-port";
    flags[args.length - 1] = "8000";
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(flags);

    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost(host);
      ((ServerConnector) connector).setPort(port);
    }
    proxy.start();
    System.out.println("LISTENING " + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
    System.out.flush();
    proxy.join();
  }
}
