package rasad.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ar.ArabicNormalizationFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/**
 * Hamza and alef forms to bare alef, alef maqsura to yaa, taa marbuta to haa, diacritics and tatweel
 * removed. normalize(): wildcard and prefix query terms on Arabic text fields are folded the same way.
 */
@NamedComponent("arabic_normalization")
public class ArabicNormalizationFilterFactory implements TokenFilterFactory {
    @Override
    public TokenStream create(TokenStream tokenStream) {
        return new ArabicNormalizationFilter(tokenStream);
    }

    @Override
    public TokenStream normalize(TokenStream tokenStream) {
        return create(tokenStream);
    }
}
