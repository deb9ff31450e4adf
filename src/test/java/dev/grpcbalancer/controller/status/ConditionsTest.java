package dev.grpcbalancer.controller.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcbalancer.controller.status.Conditions.Desired;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConditionsTest {

    private static final Instant EARLIER = Instant.parse("2026-11-30T20:00:00Z");
    private static final Instant NOW = Instant.parse("2026-11-30T22:50:00.750Z");
    private static final Desired ACCEPTED = new Desired("Accepted", "True", "Accepted", "");
    private static final Desired RESOLVED = new Desired("ResolvedRefs", "True", "ResolvedRefs", "");
    private static final Desired NOT_FOUND =
            new Desired("ResolvedRefs", "False", "BackendNotFound", "Service shop/refunds not found");

    @Test
    void firstMergeStampsEveryConditionWithNowAndTheGeneration() {
        assertThat(Conditions.merge(null, List.of(ACCEPTED, NOT_FOUND), 3, NOW)).containsExactly(
                new Condition("2026-11-30T22:50:00Z", "", 3L, "Accepted", "True", "Accepted"),
                new Condition("2026-11-30T22:50:00Z", "Service shop/refunds not found", 3L, "BackendNotFound",
                        "False", "ResolvedRefs"));
    }

    @Test
    void nowIsWrittenInUtcWithSecondPrecision() {
        Instant withNanos = Instant.parse("2026-01-02T03:04:05.999999999Z");

        assertThat(Conditions.merge(List.of(), List.of(ACCEPTED), 1, withNanos).get(0).getLastTransitionTime())
                .isEqualTo("2026-01-02T03:04:05Z");
    }

    @Test
    void lastTransitionTimeMovesOnlyWhenStatusFlips() {
        List<Condition> before = Conditions.merge(null, List.of(ACCEPTED, RESOLVED), 1, EARLIER);

        List<Condition> after = Conditions.merge(before, List.of(ACCEPTED, NOT_FOUND), 2, NOW);

        assertThat(Conditions.find(after, "Accepted").orElseThrow().getLastTransitionTime())
                .isEqualTo("2026-11-30T20:00:00Z");
        assertThat(Conditions.find(after, "ResolvedRefs").orElseThrow().getLastTransitionTime())
                .isEqualTo("2026-11-30T22:50:00Z");
    }

    @Test
    void reasonMessageAndGenerationFollowDesiredEvenWhenStatusIsUnchanged() {
        List<Condition> before = Conditions.merge(null, List.of(NOT_FOUND), 1, EARLIER);
        Desired otherReason = new Desired("ResolvedRefs", "False", "UnsupportedBackend", "Service shop/x is of type"
                + " ExternalName: it has no endpoints to balance over");

        assertThat(Conditions.merge(before, List.of(otherReason), 4, NOW)).containsExactly(new Condition(
                "2026-11-30T20:00:00Z", otherReason.message(), 4L, "UnsupportedBackend", "False", "ResolvedRefs"));
    }

    @Test
    void currentConditionWithoutATimeGetsNow() {
        Condition untimed = new Condition(null, "", 1L, "Accepted", "True", "Accepted");

        assertThat(Conditions.merge(List.of(untimed), List.of(ACCEPTED), 1, NOW).get(0).getLastTransitionTime())
                .isEqualTo("2026-11-30T22:50:00Z");
    }

    @Test
    void conditionsComeInDesiredOrderAndTypesNotDesiredAreDropped() {
        List<Condition> current = List.of(
                new Condition("2026-11-30T19:00:00Z", "", 1L, "Stale", "True", "Obsolete"),
                new Condition("2026-11-30T19:00:00Z", "", 1L, "ResolvedRefs", "True", "ResolvedRefs"),
                new Condition("2026-11-30T19:00:00Z", "", 1L, "Accepted", "True", "Accepted"));

        List<Condition> merged = Conditions.merge(current, List.of(ACCEPTED, RESOLVED), 1, NOW);

        assertThat(merged).extracting(Condition::getType).containsExactly("Accepted", "ResolvedRefs");
        assertThat(merged).extracting(Condition::getLastTransitionTime).containsOnly("2026-11-30T19:00:00Z");
    }

    @Test
    void mergingIdenticalInputTwiceGivesEqualLists() {
        List<Condition> current = Conditions.merge(null, List.of(ACCEPTED, RESOLVED), 1, EARLIER);
        List<Desired> desired = List.of(ACCEPTED, NOT_FOUND);

        assertThat(Conditions.merge(current, desired, 2, NOW)).isEqualTo(Conditions.merge(current, desired, 2, NOW));
    }

    @Test
    void mergingAnUnchangedStateLaterChangesNothingSoNoPatchIsNeeded() {
        List<Desired> desired = List.of(ACCEPTED, NOT_FOUND);
        List<Condition> written = Conditions.merge(null, desired, 2, EARLIER);

        assertThat(Conditions.merge(written, desired, 2, NOW)).isEqualTo(written);
    }

    @Test
    void unknownIsAValidStatusAndFlipsFromTrue() {
        List<Condition> before = Conditions.merge(null, List.of(RESOLVED), 1, EARLIER);
        Desired unknown = new Desired("ResolvedRefs", "Unknown", "Pending", "waiting for the Service cache");

        assertThat(Conditions.merge(before, List.of(unknown), 1, NOW).get(0).getLastTransitionTime())
                .isEqualTo("2026-11-30T22:50:00Z");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1Reason", "Backend Not Found", "BackendNotFound.", "Not-Found", "Reason,"})
    void reasonThatIsNotCamelCaseIsRejected(String reason) {
        assertThatThrownBy(() -> new Desired("Accepted", "True", reason, ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reason must be CamelCase");
    }

    @ParameterizedTest
    @ValueSource(strings = {"A", "BackendNotFound", "Port_8080", "a,b:C", "X9"})
    void camelCaseReasonsAreAccepted(String reason) {
        assertThat(new Desired("Accepted", "True", reason, "").reason()).isEqualTo(reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "TRUE", "Yes", ""})
    void statusOtherThanTrueFalseUnknownIsRejected(String status) {
        assertThatThrownBy(() -> new Desired("Accepted", status, "Accepted", ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "-Accepted", "Accepted-"})
    void invalidTypeIsRejected(String type) {
        assertThatThrownBy(() -> new Desired(type, "True", "Accepted", ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void longMessageIsTruncatedToTheMetav1Limit() {
        assertThat(new Desired("Accepted", "False", "Invalid", "x".repeat(40_000)).message())
                .hasSize(Conditions.MAX_MESSAGE);
        assertThat(new Desired("Accepted", "False", "Invalid", "x".repeat(Conditions.MAX_MESSAGE)).message())
                .hasSize(Conditions.MAX_MESSAGE);
    }

    @Test
    void truncationNeverSplitsASurrogatePair() {
        String message = "x".repeat(Conditions.MAX_MESSAGE - 1) + "\uD83D\uDE00" + "tail";

        assertThat(new Desired("Accepted", "False", "Invalid", message).message())
                .isEqualTo("x".repeat(Conditions.MAX_MESSAGE - 1));
    }

    @Test
    void typeListedTwiceInDesiredIsRejected() {
        assertThatThrownBy(() -> Conditions.merge(null, List.of(RESOLVED, NOT_FOUND), 1, NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("condition type ResolvedRefs is listed twice");
    }

    @Test
    void findReturnsTheConditionOfTheTypeAndToleratesNull() {
        List<Condition> conditions = Conditions.merge(null, List.of(ACCEPTED, NOT_FOUND), 1, NOW);

        assertThat(Conditions.find(conditions, "ResolvedRefs")).get().extracting(Condition::getReason)
                .isEqualTo("BackendNotFound");
        assertThat(Conditions.find(conditions, "Programmed")).isEmpty();
        assertThat(Conditions.find(null, "Accepted")).isEmpty();
    }
}
