package dev.groklab.cli;

import picocli.CommandLine;

final class Version implements CommandLine.IVersionProvider {
    @Override public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[]{"groklab " + (v == null ? "dev" : v) + " on Java " + Runtime.version()};
    }
}
