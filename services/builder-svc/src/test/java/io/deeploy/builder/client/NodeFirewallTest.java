package io.deeploy.builder.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.events.payload.Egress;
import org.junit.jupiter.api.Test;

class NodeFirewallTest {

    @Test
    void theRulesMatchEveryJobBridgeAndFenceInternetJobsOffPrivateRanges() {
        String rules = NodeFirewall.rules();
        assertThat(rules).startsWith("*filter\n").endsWith("COMMIT\n")
                .contains("-A DEEPLOY-JOBS-IN -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n-A DEEPLOY-JOBS-IN -j DROP\n")
                .contains("-A DEEPLOY-JOBS-OUT -o dj+ -j DROP\n", "-A DEEPLOY-JOBS-OUT -i djn+ -j DROP\n")
                .contains("-A DEEPLOY-JOBS-OUT -i dji+ -d 10.0.0.0/8 -j DROP\n", "-i dji+ -d 169.254.0.0/16 -j DROP",
                        "-i dji+ -d 192.168.0.0/16", "-i dji+ -d 172.16.0.0/12", "-i dji+ -d 127.0.0.0/8")
                .doesNotContain("-i dja+");
        // The bridge names carry the egress in the letter the rules match on, within the kernel's 15 characters.
        assertThat(JobNetworks.bridgeName("node-a", "job-1", Egress.INTERNET)).startsWith("dji").hasSize(15);
        assertThat(JobNetworks.bridgeName("node-a", "job-1", Egress.NONE)).startsWith("djn").hasSize(15);
        assertThat(JobNetworks.bridgeName("node-a", "job-1", Egress.ALL)).startsWith("dja").hasSize(15)
                .isNotEqualTo(JobNetworks.bridgeName("node-a", "job-2", Egress.ALL))
                .isNotEqualTo(JobNetworks.bridgeName("node-b", "job-1", Egress.ALL));
    }
}
