package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostSyntaxTest {

    @Test
    void dottedQuadsOfOctetsAreIpv4() {
        assertThat(HostSyntax.isIpv4("10.0.0.1")).isTrue();
        assertThat(HostSyntax.isIpv4("255.255.255.255")).isTrue();
        assertThat(HostSyntax.isIpv4("0.0.0.0")).isTrue();
    }

    @Test
    void anythingElseIsNotIpv4() {
        assertThat(HostSyntax.isIpv4("")).isFalse();
        assertThat(HostSyntax.isIpv4("10.0.0")).as("three octets").isFalse();
        assertThat(HostSyntax.isIpv4("10.0.0.1.2")).as("five octets").isFalse();
        assertThat(HostSyntax.isIpv4("10.0.0.")).as("empty last octet").isFalse();
        assertThat(HostSyntax.isIpv4(".10.0.0")).as("empty first octet").isFalse();
        assertThat(HostSyntax.isIpv4("10..0.1")).isFalse();
        assertThat(HostSyntax.isIpv4("10.0.0.256")).as("above 255").isFalse();
        assertThat(HostSyntax.isIpv4("10.0.0.1000")).isFalse();
        assertThat(HostSyntax.isIpv4("10.0.0.01")).as("leading zero, octal to some resolvers").isFalse();
        assertThat(HostSyntax.isIpv4("10.0.0.-1")).isFalse();
        assertThat(HostSyntax.isIpv4("10.0.0.a")).isFalse();
        assertThat(HostSyntax.isIpv4("::1")).isFalse();
    }
}
